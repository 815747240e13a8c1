import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";

/**
 * Debian's Mosquitto on a loopback port, anonymous, without persistence, tuned as
 * reference/mqtt-notes.md §5.2 advises (TCP_NODELAY on; no per-client queue limit, which would
 * otherwise drop QoS 1 messages silently). Restartable on the same port.
 */
export class Mosquitto {
  private child: ChildProcess | undefined;
  private readonly conf: string;
  log = "";

  /** `extra`: more configuration lines (a TLS listener, an ACL file: test/cluster/). */
  constructor(
    readonly port: number,
    extra: string[] = [],
  ) {
    const dir = mkdtempSync(join(tmpdir(), "lg-mosquitto-"));
    chmodSync(dir, 0o755); // it drops privileges to the `mosquitto` user
    this.conf = join(dir, "mosquitto.conf");
    writeFileSync(
      this.conf,
      [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous true",
        "persistence false",
        "set_tcp_nodelay true",
        "max_queued_messages 0",
        "log_dest stderr",
        ...extra,
        "",
      ].join("\n"),
    );
    chmodSync(this.conf, 0o644);
  }

  async start(): Promise<void> {
    const child = spawn("mosquitto", ["-c", this.conf], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    child.stderr!.on("data", (b: Buffer) => (this.log = (this.log + b.toString()).slice(-10_000)));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${this.log}`);
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline)
        throw new Error(`mosquitto did not listen on ${this.port}: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await exited;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}
