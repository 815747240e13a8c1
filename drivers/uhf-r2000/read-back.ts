/**
 * Reading a tag back to settle an in-doubt encode (issue #9 §2; reference/device-protocols.md
 * §5.2 commands): one real-time inventory round lists the tags in the field with their EPCs; with
 * exactly one tag, a read of its access password (Reserved bank, words 2–3) without a password
 * shows whether that password is locked: a locked one is unreadable outside the secured state
 * (Gen2 lock "pwd-read/write", §5.1), so the reader answers with an error code instead of data.
 * Nothing is written.
 */
import { toHex } from "../../firmware-protocols/epc/index.ts";
import {
  BROADCAST_ADDRESS,
  CMD,
  createR2000Decoder,
  encodeRead,
  encodeRealtimeInventory,
  MEMBANK,
  parseInventoryReply,
  parseReadReply,
  SUCCESS,
  type R2000Frame,
} from "../../firmware-protocols/r2000/index.ts";
import type { DeviceIo, ExecuteOptions, TagReadBack } from "../rfid/job.ts";

/** Chunks read while looking for one reply before giving up (line noise, other replies). */
const MAX_CHUNKS = 256;

export async function readBackR2000(io: DeviceIo, options: ExecuteOptions): Promise<TagReadBack> {
  const decoder = createR2000Decoder();
  const frames: R2000Frame[] = [];
  async function next(command: number): Promise<R2000Frame | undefined> {
    for (let i = 0; i < MAX_CHUNKS; i++) {
      const at = frames.findIndex((f) => f.command === command);
      if (at >= 0) return frames.splice(at, 1)[0];
      const chunk = await io.receive(options.stepTimeoutMs);
      if (chunk === undefined) return undefined;
      for (const ev of decoder.push(chunk)) if (ev.type === "frame") frames.push(ev);
    }
    return undefined;
  }

  await io.write(encodeRealtimeInventory(BROADCAST_ADDRESS, 1));
  const epcs = new Set<string>();
  for (;;) {
    const f = await next(CMD.REALTIME_INVENTORY);
    if (f === undefined) return { epcs: [...epcs], noReply: true };
    const r = parseInventoryReply(f.data);
    if (r?.type === "tag") epcs.add(toHex(r.epc));
    // A result code ends the round too (no tag, antenna missing …).
    if (r?.type === "end" || r?.type === "result") break;
  }
  if (epcs.size !== 1) return { epcs: [...epcs] };
  await io.write(
    encodeRead(BROADCAST_ADDRESS, {
      password: 0,
      bank: MEMBANK.RESERVED,
      wordAddress: 2,
      wordCount: 2,
    }),
  );
  const f = await next(CMD.READ);
  if (f === undefined) return { epcs: [...epcs] };
  // A one-byte reply is a result code: the read was refused. Data back means it is readable.
  const refused = f.data.length === 1 && f.data[0] !== SUCCESS;
  const readable = f.data.length > 1 && parseReadReply(f.data)?.readData !== undefined;
  return {
    epcs: [...epcs],
    ...((refused || readable) && { accessPasswordLocked: refused }),
  };
}
