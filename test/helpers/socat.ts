import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

/**
 * A socat PTY pair (reference/device-protocols.md §8): `a` and `b` are symlinks to two
 * pseudo-terminals whose bytes socat copies both ways — a null-modem cable. `kill()` pulls the
 * cable (both PTYs vanish); `start()` plugs a new one in under the same link names.
 */
export interface PtyPair {
  readonly a: string;
  readonly b: string;
  start(): Promise<void>;
  kill(): Promise<void>;
}

export function ptyPair(dir: string, name = "tty"): PtyPair {
  const a = join(dir, `${name}A`);
  const b = join(dir, `${name}B`);
  let child: ChildProcess | undefined;
  return {
    a,
    b,
    start() {
      return new Promise<void>((resolve, reject) => {
        const c = spawn(
          "socat",
          ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
          { stdio: ["ignore", "ignore", "pipe"] },
        );
        child = c;
        let err = "";
        const onData = (d: Buffer) => {
          err += d.toString("utf8");
          // socat logs this once both PTYs exist and the links point at them.
          if (err.includes("starting data transfer loop")) {
            c.stderr?.off("data", onData);
            c.stderr?.resume();
            resolve();
          }
        };
        c.stderr?.on("data", onData);
        c.once("error", reject);
        c.once("exit", (code) => reject(new Error(`socat exited early (${code})`)));
      });
    },
    kill() {
      const c = child;
      child = undefined;
      // Like udev removing /dev/serial/by-id links on unplug: a SIGKILLed socat leaves its links
      // dangling, and a reused /dev/pts number could otherwise be opened through the wrong one.
      const unlinkAll = () => {
        rmSync(a, { force: true });
        rmSync(b, { force: true });
      };
      if (!c || c.exitCode !== null) {
        unlinkAll();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        c.once("exit", () => {
          unlinkAll();
          resolve();
        });
        c.kill("SIGKILL");
      });
    },
  };
}
