import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = join(fileURLToPath(new URL("../..", import.meta.url)), "bin", "labelgate.js");

export interface ClusterGatewayConfig {
  gateway: string;
  dataDir: string;
  url: string;
  printerPort: number;
  role: "owner" | "standby";
  standbyFor?: string;
  graceS: number;
  /** The pool the gateway's printer serves. */
  pool?: string;
  device?: string;
  /** Client certificate (mqtts://): the broker takes the CN as the username. */
  tls?: { ca: string; cert: string; key: string };
  /** `cluster.pool_claims` (default true). */
  poolClaims?: boolean;
}

/**
 * An ACL for use_identity_as_username: each gateway (certificate CN) writes its own subtree and
 * the site's device, pool and reply topics; anonymous clients (the test's producers on the plain
 * listener) may use the whole tree.
 */
export function clusterAcl(gateways: string[]): string {
  const lines = ["topic readwrite labelgate/#", "pattern readwrite labelgate/demo/gateway/%u/#"];
  for (const gw of gateways)
    lines.push(
      `user ${gw}`,
      "topic readwrite labelgate/demo/device/#",
      "topic read labelgate/demo/pool/#",
      "topic readwrite labelgate/demo/pool/+/claim/#",
      "topic write labelgate/demo/reply/#",
      "topic read labelgate/demo/gateway/+/state",
    );
  return `${lines.join("\n")}\n`;
}

export function writeClusterConfig(file: string, c: ClusterGatewayConfig): void {
  writeFileSync(
    file,
    `site: demo
gateway: ${c.gateway}
data_dir: ${c.dataDir}
log: { level: info }
mqtt:
  url: ${c.url}
  embedded: { enabled: false }
  keepalive_s: 5
  protocol_version: 5
${c.tls !== undefined ? `  tls: { ca: ${c.tls.ca}, cert: ${c.tls.cert}, key: ${c.tls.key} }\n` : ""}cluster:
  mode: multi
  role: ${c.role}
${c.standbyFor !== undefined ? `  standby_for: ${c.standbyFor}\n` : ""}${c.poolClaims !== undefined ? `  pool_claims: ${c.poolClaims}\n` : ""}  grace_s: ${c.graceS}
devices:
  - id: ${c.device ?? "zpl-1"}
    driver: zebra-zpl
${c.pool !== undefined ? `    pool: ${c.pool}\n` : ""}    transport: { type: tcp, host: 127.0.0.1, port: ${c.printerPort}, connect_timeout_ms: 1000 }
    status_poll_ms: 200
    status_timeout_ms: 500
    confirm_timeout_ms: 2000
`,
  );
}

/** `labelgate start` in a process of its own; `waitFor` resolves on a log message. */
export class GatewayProcess {
  private child: ChildProcess | undefined;
  log = "";
  private waiters: Array<{ text: string; resolve: () => void }> = [];

  constructor(private readonly configFile: string) {}

  start(): void {
    this.log = "";
    const child = spawn(process.execPath, [BIN, "start", "--config", this.configFile], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child = child;
    child.stderr!.on("data", (b: Buffer) => {
      this.log += b.toString();
      this.waiters = this.waiters.filter((w) => {
        if (!this.log.includes(w.text)) return true;
        w.resolve();
        return false;
      });
    });
  }

  /** Resolves once `text` appeared in the log since the last start; rejects if the process exits. */
  waitFor(text: string): Promise<void> {
    if (this.log.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ text, resolve });
      this.child?.once("exit", (code, signal) =>
        reject(
          new Error(
            `gateway exited (${code ?? signal}) before "${text}": ${this.log.slice(-3000)}`,
          ),
        ),
      );
    });
  }

  /** Resolves with the exit code once the process ended by itself. */
  exited(): Promise<number | null> {
    const c = this.child;
    if (!c) return Promise.resolve(null);
    if (c.exitCode !== null) return Promise.resolve(c.exitCode);
    return new Promise((resolve) => c.once("exit", (code) => resolve(code)));
  }

  get exitCode(): number | null | undefined {
    return this.child?.exitCode;
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    await exited;
  }
}
