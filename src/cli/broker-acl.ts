/**
 * `labelgate broker-acl --password-file F --acl-file F`: writes the Mosquitto `password_file`
 * (`id:$7$…` lines, the PBKDF2-SHA512 format of `mosquitto_passwd`) and `acl_file` for the active
 * clients, so a site Mosquitto enforces the policy of the embedded broker. Both files are written
 * with mode 0600 (give them to the `mosquitto` user); exit 0 written, 4 I/O or usage error.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { mosquittoAclFile } from "../access/mosquitto-acl.ts";
import { withAccess, type SiteOptions } from "./access.ts";

export function runBrokerAcl(o: SiteOptions & { passwordFile: string; aclFile: string }) {
  return withAccess(o, (a, c) => {
    const site = `${c.config.mqtt.base_topic}/${c.config.site}`;
    const clients = a.clients.list();
    const pw = a.clients.mosquittoPasswordLines();
    writeSecret(o.passwordFile, pw.length === 0 ? "" : `${pw.join("\n")}\n`);
    writeSecret(o.aclFile, mosquittoAclFile(clients, site, Date.now()));
    console.log(
      `wrote ${pw.length} password(s) to ${o.passwordFile} and the ACL of ${clients.filter((x) => x.status === "active").length} client(s) to ${o.aclFile}`,
    );
    return 0;
  });
}

function writeSecret(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}
