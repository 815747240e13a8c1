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

/** What a printer simulator's sink collected: the reply bytes and the printed jobs' bytes. */
export interface CollectingSink {
  replies: number[];
  printed: Uint8Array[];
}

/**
 * A simulator made by `create` with a sink that collects into `replies` and `printed`, e.g.
 * `withSink(createCpclSimulator)` or `withSink((s) => createTsplSimulator(s, identity))`.
 */
export function withSink<S>(
  create: (sink: {
    reply(bytes: Uint8Array): void;
    printed(job: { bytes: Uint8Array }): void;
  }) => S,
): CollectingSink & { sim: S } {
  const replies: number[] = [];
  const printed: Uint8Array[] = [];
  const sim = create({
    reply: (b) => replies.push(...b),
    printed: (j) => printed.push(j.bytes),
  });
  return { sim, replies, printed };
}
