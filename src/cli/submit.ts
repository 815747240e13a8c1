import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connectProducer } from "../mqtt/producer.ts";
import { brokerUrl, type BrokerCliOptions } from "./broker-options.ts";

const TERMINAL = new Set(["ok", "error", "rejected", "expired", "duplicate", "in_doubt"]);
const FIRST = new Set(["accepted", ...TERMINAL]);
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID: 48-bit millisecond time + 80 random bits, Crockford base32 (sortable job ids). */
export function ulid(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(16);
  let rand = "";
  for (let i = 0; i < 16; i++) rand += CROCKFORD[rnd[i]! % 32];
  return time + rand;
}

export interface SubmitOptions extends BrokerCliOptions {
  device?: string;
  wait?: boolean;
  timeout: number;
}

export async function runSubmit(file: string, o: SubmitOptions): Promise<number> {
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (e) {
    console.error(`${file}: cannot read a JSON job envelope (${(e as Error).message})`);
    return 4;
  }
  const device = o.device ?? (typeof env["device"] === "string" ? env["device"] : undefined);
  if (device === undefined) {
    console.error('no device: give --device or a "device" in the envelope');
    return 4;
  }
  const clientId = `cli-${randomBytes(4).toString("hex")}`;
  env["device"] = device;
  env["job_id"] ??= ulid();
  env["created_at"] ??= new Date().toISOString();
  env["reply_to"] ??= `${o.base}/${o.site}/reply/${clientId}`;
  const replyTo = String(env["reply_to"]);
  const url = brokerUrl(o);

  const client = await connectProducer(url, clientId).catch((e: unknown) => {
    console.error(`cannot connect to ${url}: ${(e as Error).message}`);
    return undefined;
  });
  if (!client) return 4;
  try {
    await client.subscribe(replyTo);
    const done = new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        console.error(`no ${o.wait ? "final " : ""}reply within ${o.timeout} ms`);
        resolve(3);
      }, o.timeout);
      client.onMessage((_topic, payload) => {
        let reply: { status?: string; job_id?: string };
        try {
          reply = JSON.parse(new TextDecoder().decode(payload)) as {
            status?: string;
            job_id?: string;
          };
        } catch {
          return;
        }
        if (reply.job_id !== undefined && reply.job_id !== env["job_id"]) return;
        console.log(JSON.stringify(reply));
        const status = reply.status ?? "";
        if ((o.wait ? TERMINAL : FIRST).has(status)) {
          clearTimeout(timer);
          resolve(status === "ok" || status === "accepted" || status === "duplicate" ? 0 : 1);
        }
      });
    });
    await client.publish(`${o.base}/${o.site}/device/${device}/job`, JSON.stringify(env));
    console.error(
      `published job ${String(env["job_id"])} to device ${device}; replies on ${replyTo}`,
    );
    return await done;
  } finally {
    await client.close();
  }
}
