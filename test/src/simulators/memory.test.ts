import { describe, expect, it } from "vitest";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

function echoDevice() {
  const received: Uint8Array[] = [];
  let deliver: (b: Uint8Array) => void = () => undefined;
  const device = {
    receive(chunk: Uint8Array) {
      received.push(chunk);
      deliver(chunk); // echo
    },
  };
  const mt = createMemoryTransport(device, { describe: "memory:echo" });
  deliver = mt.deliver;
  return { mt, received };
}

describe("memory transport: the drivers/transport.ts contract", () => {
  it("describes itself and starts closed", () => {
    const { mt } = echoDevice();
    expect(mt.transport.describe).toBe("memory:echo");
    expect(mt.transport.isOpen).toBe(false);
  });

  it("write before open rejects with device_offline", async () => {
    const { mt } = echoDevice();
    await expect(mt.transport.write(bytes(1))).rejects.toMatchObject({ code: "device_offline" });
  });

  it("open is idempotent; an unreachable device rejects with device_offline", async () => {
    const { mt } = echoDevice();
    mt.setReachable(false);
    await expect(mt.transport.open()).rejects.toMatchObject({
      code: "device_offline",
      retryable: true,
    });
    mt.setReachable(true);
    await mt.transport.open();
    await mt.transport.open();
    expect(mt.transport.isOpen).toBe(true);
  });

  it("write resolves after the device received the bytes; replies arrive asynchronously, in order", async () => {
    const { mt, received } = echoDevice();
    const got: number[] = [];
    mt.transport.onData((c) => got.push(...c));
    await mt.transport.open();
    const w = mt.transport.write(bytes(1, 2));
    expect(received).toEqual([]); // never re-entrant inside write()
    await w;
    expect(received).toEqual([bytes(1, 2)]);
    await mt.transport.write(bytes(3));
    await mt.settled();
    expect(got).toEqual([1, 2, 3]);
  });

  it("copies written bytes (the caller may reuse its buffer)", async () => {
    const { mt, received } = echoDevice();
    await mt.transport.open();
    const buf = bytes(7, 7);
    const w = mt.transport.write(buf);
    buf.fill(0);
    await w;
    expect(received[0]).toEqual(bytes(7, 7));
  });

  it("splits device data into maxChunkBytes chunks", async () => {
    const mt = createMemoryTransport({ receive: () => undefined }, { maxChunkBytes: 2 });
    const chunks: number[][] = [];
    mt.transport.onData((c) => chunks.push([...c]));
    await mt.transport.open();
    mt.deliver(bytes(1, 2, 3, 4, 5));
    await mt.settled();
    expect(chunks).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("onData unsubscribe stops delivery to that listener", async () => {
    const { mt } = echoDevice();
    const got: number[] = [];
    const off = mt.transport.onData((c) => got.push(...c));
    await mt.transport.open();
    off();
    await mt.transport.write(bytes(1));
    await mt.settled();
    expect(got).toEqual([]);
  });

  it("disconnect fires onClose once, closes, and rejects pending writes", async () => {
    const { mt } = echoDevice();
    const reasons: string[] = [];
    mt.transport.onClose((r) => reasons.push(r));
    await mt.transport.open();
    const pending = mt.transport.write(bytes(1));
    mt.disconnect("cable pulled");
    mt.disconnect("again");
    await expect(pending).rejects.toMatchObject({ code: "device_offline" });
    expect(reasons).toEqual(["cable pulled"]);
    expect(mt.transport.isOpen).toBe(false);
    // Reconnecting works and a second loss fires again.
    await mt.transport.open();
    mt.disconnect();
    expect(reasons).toEqual(["cable pulled", "peer disconnected"]);
  });

  it("close never fires onClose, never rejects, cancels pending writes, stops data", async () => {
    const { mt, received } = echoDevice();
    const reasons: string[] = [];
    const got: number[] = [];
    mt.transport.onClose((r) => reasons.push(r));
    mt.transport.onData((c) => got.push(...c));
    await mt.transport.open();
    const pending = mt.transport.write(bytes(1));
    mt.deliver(bytes(9));
    await mt.transport.close();
    await mt.transport.close();
    await expect(pending).rejects.toMatchObject({ code: "device_offline" });
    await mt.settled();
    expect(received).toEqual([]);
    expect(got).toEqual([]);
    expect(reasons).toEqual([]);
    await expect(mt.transport.write(bytes(2))).rejects.toMatchObject({ code: "device_offline" });
  });

  it("device bytes sent while closed are dropped, not buffered for later", async () => {
    const { mt } = echoDevice();
    const got: number[] = [];
    mt.transport.onData((c) => got.push(...c));
    mt.deliver(bytes(5));
    await mt.transport.open();
    await mt.settled();
    expect(got).toEqual([]);
  });

  it("a device that throws rejects that write only", async () => {
    let fail = true;
    const mt = createMemoryTransport({
      receive() {
        if (fail) throw new Error("device bug");
      },
    });
    await mt.transport.open();
    await expect(mt.transport.write(bytes(1))).rejects.toThrow("device bug");
    fail = false;
    await expect(mt.transport.write(bytes(2))).resolves.toBeUndefined();
  });
});
