import type { Client } from "./clients.ts";
import { rolePatterns } from "./broker-policy.ts";

/**
 * The Mosquitto `acl_file` equivalent to the embedded broker's policy (`broker-policy.ts`):
 * one `user` block per active client, with `topic write` lines for what it may publish and
 * `topic read` lines for what it may receive (mosquitto.conf(5) "acl_file"; a client with no
 * matching line is denied). `%u` is written out as the client's own id rather than as a
 * `pattern` line, so each user's rights are visible in the file and no `+`/`%u` mix is needed.
 */
export function mosquittoAclFile(
  clients: ReadonlyArray<Omit<Client, "auth">>,
  site: string,
  generatedAt: number,
): string {
  const lines = [
    `# labelgate broker ACL for ${site} — generated ${new Date(generatedAt).toISOString()} by`,
    "# `labelgate broker-acl`; regenerate instead of editing. Anything not listed is denied.",
    "",
  ];
  for (const c of clients) {
    if (c.status !== "active") continue;
    const p = rolePatterns(c.role, site);
    const own = (t: string) => t.replaceAll("%u", c.id);
    lines.push(`# ${c.role}`, `user ${c.id}`);
    for (const t of p.write) lines.push(`topic write ${own(t)}`);
    for (const t of p.read) lines.push(`topic read ${own(t)}`);
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}
