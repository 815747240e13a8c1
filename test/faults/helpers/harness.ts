import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIN = join(ROOT, "bin", "labelgate.js");
const RUN_TS = join(ROOT, "bin", "run-ts.js");

/** The simulated printer in its own process (see printer-process.ts). */
export class PrinterProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {}

  /** `script`: another device process with the same command protocol (encoder-process.ts). */
  static async start(
    logFile: string,
    port = 0,
    script = "test/faults/helpers/printer-process.ts",
  ): Promise<PrinterProcess> {
    const child = spawn(process.execPath, [RUN_TS, join(ROOT, script), String(port), logFile], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout! });
    const bound = await new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`printer process exited with ${code}`)));
      lines.once("line", (l) => resolve(Number(l.split(" ")[1])));
    });
    return new PrinterProcess(child, bound, logFile);
  }

  /** Sends a control command and waits for its `ok`. */
  async command(line: string): Promise<void> {
    const lines = createInterface({ input: this.child.stdout! });
    const done = new Promise<void>((resolve) => {
      lines.on("line", (l) => {
        if (l === `ok ${line}`) {
          lines.close();
          resolve();
        }
      });
    });
    this.child.stdin!.write(`${line}\n`);
    await done;
  }

  /** Every format printed so far, decoded (latin1: the waybill numbers are ASCII). */
  printed(): string[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((hex) => Buffer.from(hex, "hex").toString("latin1"));
  }

  /** What the printer noted (`printed-muted`, `lost`), in order; see printer-process.ts. */
  events(): string[] {
    const f = `${this.logFile}.events`;
    return existsSync(f)
      ? readFileSync(f, "utf8")
          .split("\n")
          .filter((l) => l.length > 0)
      : [];
  }

  /** The printer's label odometer as it stored it. */
  odometer(): number {
    const f = `${this.logFile}.odometer`;
    return existsSync(f) ? Number(readFileSync(f, "utf8")) : 0;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill("SIGTERM");
    await new Promise((r) => this.child.once("exit", r));
  }
}

export interface DaemonConfig {
  dataDir: string;
  mqttPort: number;
  printerPort: number;
  /** External broker instead of the embedded one. */
  url?: string;
  /** How long a print may take to be confirmed (default 2000). */
  confirmTimeoutMs?: number;
  /** More devices, as YAML list items indented by two spaces (e.g. simulated RFID, e-paper). */
  extraDevices?: string;
  /** More top-level YAML (e.g. `rfid:`, `http:`). */
  extra?: string;
}

export function writeDaemonConfig(file: string, c: DaemonConfig): void {
  const mqtt = c.url
    ? `mqtt:\n  url: ${c.url}\n  embedded: { enabled: false }\n  keepalive_s: 5\n`
    : `mqtt:\n  embedded: { enabled: true, host: 127.0.0.1, port: ${c.mqttPort}, allow_anonymous: true }\n  keepalive_s: 5\n`;
  writeFileSync(
    file,
    `site: demo
gateway: gw1
data_dir: ${c.dataDir}
log: { level: info }
${mqtt}devices:
  - id: zpl-1
    driver: zebra-zpl
    transport: { type: tcp, host: 127.0.0.1, port: ${c.printerPort}, connect_timeout_ms: 1000 }
    status_poll_ms: 200
    status_timeout_ms: 500
    confirm_timeout_ms: ${c.confirmTimeoutMs ?? 2000}
${c.extraDevices ?? ""}${c.extra ?? ""}`,
  );
}

/** The daemon as a child process, started and killed like a site's service manager would. */
export class DaemonProcess {
  private child: ChildProcess | undefined;
  stderr = "";
  starts = 0;

  constructor(private readonly configFile: string) {}

  /** Starts the daemon and resolves once it logged that it started. */
  async start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, [BIN, "start", "--config", this.configFile], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        const text = b.toString();
        this.stderr = (this.stderr + text).slice(-20_000);
        if (text.includes('"gateway started"')) {
          child.stderr!.off("data", onData);
          child.stderr!.on(
            "data",
            (more: Buffer) => (this.stderr = (this.stderr + more.toString()).slice(-20_000)),
          );
          resolve();
        }
      };
      child.stderr!.on("data", onData);
      child.once("exit", (code, signal) =>
        reject(
          new Error(`daemon exited during start (${code ?? signal}): ${this.stderr.slice(-3000)}`),
        ),
      );
    });
  }

  /** The daemon's process id while it runs. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    await exited;
  }

  async auditVerify(dataDir: string): Promise<{ code: number; out: string }> {
    const child = spawn(process.execPath, [BIN, "audit", "verify", "--data-dir", dataDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number>((r) => child.once("exit", (c) => r(c ?? -1)));
    return { code, out };
  }
}
