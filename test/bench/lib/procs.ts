/**
 * Child processes of a benchmark: TypeScript scripts under test/bench/procs/ forked with tsx and
 * an IPC channel, plus plain executables (mosquitto, Node-RED). Also CPU time and resident memory
 * of any process, read from /proc (Linux).
 */
import { spawn, fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Messages between the runner and a forked child: requests carry `id`, replies echo it. */
export interface IpcMessage {
  type: string;
  id?: number;
  [key: string]: unknown;
}

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves with the first message of `type` (e.g. `ready`). */
  next(type: string, timeoutMs?: number): Promise<IpcMessage>;
  /** Sends a request and resolves with the child's reply (same `id`). */
  call(msg: IpcMessage, timeoutMs?: number): Promise<IpcMessage>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Everything the child wrote on stderr (last 64 KiB), for error reports. */
  stderr(): string;
}

let nextId = 1;

/** Children still running, killed when the runner is interrupted (see {@link killAll}). */
const live = new Set<ChildProcess>();

/** SIGKILLs every child still running (the runner's SIGINT / SIGTERM handler). */
export function killAll(): void {
  for (const p of live) p.kill("SIGKILL");
}

function wrap(proc: ChildProcess, what: string): Child {
  const pending = new Map<number, (m: IpcMessage) => void>();
  const waiters: Array<{ type: string; resolve: (m: IpcMessage) => void }> = [];
  const seen: IpcMessage[] = [];
  let err = "";
  let exited = proc.exitCode !== null;
  live.add(proc);
  const exit = new Promise<void>((resolve) =>
    proc.once("exit", () => {
      exited = true;
      live.delete(proc);
      resolve();
    }),
  );
  proc.stderr?.on("data", (c: Buffer) => {
    err = (err + c.toString("utf8")).slice(-65536);
  });
  proc.on("message", (raw) => {
    const m = raw as IpcMessage;
    if (m.id !== undefined && pending.has(m.id)) {
      pending.get(m.id)!(m);
      pending.delete(m.id);
      return;
    }
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else seen.push(m);
  });
  const failOnExit = <T>(p: Promise<T>, timeoutMs: number, label: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`${what}: timed out waiting for ${label}\n${err.slice(-2000)}`)),
        timeoutMs,
      );
      void exit.then(() =>
        reject(new Error(`${what} exited while waiting for ${label}\n${err.slice(-2000)}`)),
      );
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  return {
    proc,
    pid: proc.pid ?? -1,
    next(type, timeoutMs = 60_000) {
      const i = seen.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!);
      return failOnExit(
        new Promise<IpcMessage>((resolve) => waiters.push({ type, resolve })),
        timeoutMs,
        type,
      );
    },
    call(msg, timeoutMs = 120_000) {
      const id = nextId++;
      const p = new Promise<IpcMessage>((resolve) => pending.set(id, resolve));
      proc.send({ ...msg, id });
      return failOnExit(p, timeoutMs, msg.type);
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(t);
    },
    stderr: () => err,
  };
}

/** Forks `test/bench/procs/<script>` under tsx with an IPC channel. */
export function forkProc(script: string, args: string[] = []): Child {
  const path = fileURLToPath(new URL(`../procs/${script}`, import.meta.url));
  const proc = fork(path, args, {
    cwd: REPO_ROOT,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  return wrap(proc, script);
}

/** Spawns an executable (no IPC); `onLine` sees its stdout and stderr line by line. */
export function spawnProc(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Child {
  const proc = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buf = "";
  const feed = (c: Buffer) => {
    buf += c.toString("utf8");
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      options.onLine?.(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  };
  proc.stdout?.on("data", feed);
  proc.stderr?.on("data", feed);
  return wrap(proc, command);
}

/** User + system CPU time of a process so far, in milliseconds (/proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (proc(5) fields 14, 15)
  return (ticks * 1000) / CLOCK_TICKS;
}

/** USER_HZ on Linux is 100 on every mainstream architecture. */
const CLOCK_TICKS = 100;

/** Resident set size now and at its peak, in MiB (/proc/<pid>/status VmRSS, VmHWM). */
export function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}
