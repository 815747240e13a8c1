import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientStore } from "../../../src/access/clients.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { freePort } from "../../helpers/net.ts";
import {
  checkAuthentication,
  checkNoCheckpoints,
  checkNoGatewayState,
  checkRepliesIsolated,
  addClients,
} from "./broker-scenario.ts";

const BIN = fileURLToPath(new URL("../../../bin/labelgate.js", import.meta.url));
const run = promisify(execFile);

/**
 * Debian's Mosquitto (2.0.11, `apt-get install mosquitto`) with the password and ACL files that
 * `labelgate broker-acl` writes: the same checks as against the embedded broker.
 */
describe("Mosquitto with the files of `labelgate broker-acl`", () => {
  let dir: string;
  let broker: ChildProcess;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-mosquitto-"));
    chmodSync(dir, 0o755); // Mosquitto drops privileges to the `mosquitto` user.
    const db = openDatabase(join(dir, "labelgate.db"));
    const clients = createClientStore(db);
    await addClients(clients);
    await clients.add("ws-gone", "workstation", "gone-secret-pw", Date.now());
    clients.setStatus("ws-gone", "disabled", Date.now());
    db.close();

    const pw = join(dir, "passwords");
    const acl = join(dir, "acl");
    await run(process.execPath, [
      BIN,
      "broker-acl",
      "-d",
      dir,
      "--password-file",
      pw,
      "--acl-file",
      acl,
    ]);
    expect(readFileSync(pw, "utf8")).not.toContain("ws-gone");
    if (userInfo().uid === 0) {
      const { uid, gid } = await mosquittoUser();
      chownSync(pw, uid, gid);
      chownSync(acl, uid, gid);
    }
    const port = await freePort();
    const conf = join(dir, "mosquitto.conf");
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous false",
        `password_file ${pw}`,
        `acl_file ${acl}`,
        "persistence false",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information", // "… running" is an information line
        "",
      ].join("\n"),
    );
    chmodSync(conf, 0o644);
    broker = spawn("mosquitto", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      let log = "";
      broker.stderr!.on("data", (b: Buffer) => {
        log += b.toString();
        if (/running/.test(log)) resolve();
      });
      broker.once("exit", (code) => reject(new Error(`mosquitto exited ${code}: ${log}`)));
    });
    url = `mqtt://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (broker && broker.exitCode === null) {
      const exited = new Promise((r) => broker.once("exit", r));
      broker.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a client without credentials or with a wrong password", () =>
    checkAuthentication(url));
  it("a workstation cannot read another workstation's replies", () => checkRepliesIsolated(url));
  it("a workstation cannot publish gateway state", () => checkNoGatewayState(url));
  it("a workstation cannot read checkpoints or alerts; a supervisor can", () =>
    checkNoCheckpoints(url));
});

async function mosquittoUser(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run("id", ["-u", "mosquitto"]);
  const { stdout: gid } = await run("id", ["-g", "mosquitto"]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
