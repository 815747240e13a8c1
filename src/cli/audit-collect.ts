import { existsSync, readFileSync } from "node:fs";
import { createCheckpointCollector, type CollectResult } from "../cluster/collect.ts";
import { openDatabase } from "../db/open.ts";
import { connectWatchTo } from "../mqtt/watch.ts";

export interface AuditCollectOptions {
  url: string;
  base: string;
  site: string;
  store: string;
  pubkey: string[];
  once?: boolean;
  json?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * `labelgate audit collect` (issue #11): a supervisor-side collector of every gateway's retained
 * audit checkpoints (`{base}/{site}/gateway/+/audit/checkpoint`). Each is verified with the
 * gateway's key (`--pubkey`, repeatable: `labelgate audit pubkey` on each gateway), stored in
 * `--store` (SQLite) and cross-checked against what that gateway published before.
 * Exit: 0 all consistent, 2 a gateway's log was truncated or forked behind a stored checkpoint,
 * 1 a checkpoint is not signed by its gateway's key, 4 usage or I/O error. `--once` reads the
 * retained checkpoints and exits; without it the command keeps collecting and reports each one.
 */
export async function runAuditCollect(o: AuditCollectOptions): Promise<number> {
  const keys = o.pubkey.map((k) => (existsSync(k) ? readFileSync(k, "utf8").trim() : k));
  let collector: ReturnType<typeof createCheckpointCollector>;
  try {
    collector = createCheckpointCollector(openDatabase(o.store), keys);
  } catch (e) {
    console.error(`labelgate audit collect: ${e instanceof Error ? e.message : String(e)}`);
    return 4;
  }
  const watch = await connectWatchTo({
    url: o.url,
    clientId: `lg-collect-${process.pid}`.slice(0, 23),
    ...((o.ca ?? o.cert ?? o.key) !== undefined && {
      tls: {
        ...(o.ca !== undefined && { ca: o.ca }),
        ...(o.cert !== undefined && { cert: o.cert }),
        ...(o.key !== undefined && { key: o.key }),
      },
    }),
  }).catch((e: unknown) => {
    console.error(`labelgate audit collect: cannot connect: ${String(e)}`);
    return undefined;
  });
  if (!watch) return 4;
  let worst = 0;
  const report = (r: CollectResult) => {
    const code =
      r.verdict === "ok" ? 0 : r.verdict === "truncated" || r.verdict === "forked" ? 2 : 1;
    worst = Math.max(worst, code);
    if (o.json) console.log(JSON.stringify(r));
    else
      console.log(
        `${r.origin}: ${r.verdict}${r.size !== undefined ? ` (size ${r.size}` : ""}${r.stored !== undefined ? `, stored before ${r.stored}` : ""}${r.size !== undefined ? ")" : ""}`,
      );
  };
  const site = `${o.base}/${o.site}`;
  const filter = `${site}/gateway/+/audit/checkpoint`;
  watch.onMessage((topic, payload) => {
    if (!topic.startsWith(`${site}/gateway/`) || !topic.endsWith("/audit/checkpoint")) return;
    report(collector.observe(payload.toString("utf8")));
  });
  await watch.subscribe([filter]);
  if (o.once) {
    await watch.probe(`${site}/collect/probe/${process.pid}`);
    await watch.end();
    return worst;
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await watch.end();
  return worst;
}
