import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { StatusQuery } from "../../drivers/types.ts";

/** Feeds `reply` to a fresh reader split at `at` (two chunks); returns the snapshot. */
export function readSplit(
  q: StatusQuery,
  reply: Uint8Array,
  at: number,
): DeviceSnapshot | undefined {
  const r = q.createReader(1000);
  const first = r.push(reply.subarray(0, at));
  return first ?? r.push(reply.subarray(at));
}

/** Every split of `reply` gives the same snapshot as one chunk. */
export function everySplit(q: StatusQuery, reply: Uint8Array): DeviceSnapshot[] {
  const out: DeviceSnapshot[] = [];
  for (let at = 0; at <= reply.length; at++) {
    const s = readSplit(q, reply, at);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** A simulator's status answer to `request`, collected through its sink. */
export function ask(
  sim: { receive(b: Uint8Array): void },
  replies: number[],
  request: Uint8Array,
): Uint8Array {
  replies.length = 0;
  sim.receive(request);
  return Uint8Array.from(replies);
}
