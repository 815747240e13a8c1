import { EventEmitter } from "node:events";
import type { HidDeviceInfo, HidHandleLike, HidLike } from "../../src/transports/hid.ts";

/**
 * A fake of node-hid 3's async API (`devicesAsync`, `HIDAsync.open(path)`, `data` / `error`
 * events, `write` of `[reportId, …]`). Opening a path that is not attached rejects, as hidapi
 * does; `unplug` emits `error` on open handles, as node-hid does when the hidraw node goes away.
 */
export interface FakeHidDevice {
  info: HidDeviceInfo;
  /** Output reports written by the host, report ID first. */
  written: Buffer[];
  /** Sends an input report to the host. */
  send(report: Uint8Array): void;
}

export interface FakeHid extends HidLike {
  attach(info: HidDeviceInfo): FakeHidDevice;
  unplug(path: string): void;
}

export function fakeHid(): FakeHid {
  const devices = new Map<string, { dev: FakeHidDevice; handles: Set<EventEmitter> }>();
  return {
    async devicesAsync() {
      return [...devices.values()].map((d) => ({ ...d.dev.info }));
    },
    async open(path) {
      const d = devices.get(path);
      if (!d) throw new Error("cannot open device with path " + path.length);
      const h = new EventEmitter() as EventEmitter & HidHandleLike;
      let open = true;
      h.write = async (values) => {
        if (!open) throw new Error("Cannot write to hid device");
        const b = Buffer.from(values as Buffer);
        d.dev.written.push(b);
        return b.length;
      };
      h.close = async () => {
        open = false;
        d.handles.delete(h);
      };
      d.handles.add(h);
      return h;
    },
    attach(info) {
      const path = info.path ?? `/dev/hidraw${devices.size}`;
      const entry = {
        handles: new Set<EventEmitter>(),
        dev: {
          info: { ...info, path },
          written: [] as Buffer[],
          send(report: Uint8Array) {
            for (const h of entry.handles) h.emit("data", Buffer.from(report));
          },
        },
      };
      devices.set(path, entry);
      return entry.dev;
    },
    unplug(path) {
      const d = devices.get(path);
      devices.delete(path);
      for (const h of d?.handles ?? [])
        h.emit("error", new Error("could not read from HID device"));
    },
  };
}

/** Boot keyboard reports typing `text` then Enter, as a keyboard-wedge scanner sends them. */
export function keyboardReports(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const key = (mod: number, code: number) => {
    out.push(Uint8Array.of(mod, 0, code, 0, 0, 0, 0, 0));
    out.push(new Uint8Array(8)); // key up
  };
  for (const ch of text) {
    if (/[a-z]/.test(ch)) key(0, 0x04 + ch.charCodeAt(0) - 0x61);
    else if (/[A-Z]/.test(ch)) key(0x02, 0x04 + ch.charCodeAt(0) - 0x41);
    else if (/[1-9]/.test(ch)) key(0, 0x1e + ch.charCodeAt(0) - 0x31);
    else if (ch === "0") key(0, 0x27);
    else if (ch === "-") key(0, 0x2d);
    else if (ch === ":") key(0x02, 0x33);
    else throw new RangeError("no key for this character in the test helper");
  }
  key(0, 0x28);
  return out;
}
