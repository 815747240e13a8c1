/**
 * PNG previews of ZPL formats with zpl-renderer-js (zebrash compiled to WebAssembly;
 * reference/device-protocols.md §7), rendered in a worker thread.
 *
 * Why a worker: the Go WASM runtime renders on the thread that calls it, for tens of
 * milliseconds per label. The daemon hosts its demo simulators in-process, so rendering on the
 * main thread would stall MQTT, the audit log and every device while a preview is drawn.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Renders one ZPL format to PNG bytes; rejects when the renderer cannot draw it. */
export type PreviewRenderer = (
  zpl: string,
  widthMm: number,
  heightMm: number,
  dpmm: number,
) => Promise<Uint8Array>;

export interface WorkerPreviewRenderer {
  render: PreviewRenderer;
  /** Stops the worker; pending renders reject. Never rejects. */
  close(): Promise<void>;
}

export interface WorkerPreviewRendererOptions {
  /** A render that takes longer fails and the worker is restarted (default 30 s). */
  timeoutMs?: number;
}

// The worker body is plain CommonJS so that it runs without a TypeScript loader. It loads the
// package's own CJS build and answers one message per render request.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const apiPromise = require(workerData.modulePath).ready.then((m) => m.api);
parentPort.on("message", (msg) => {
  apiPromise
    .then((api) => api.zplToBase64Async(msg.zpl, msg.widthMm, msg.heightMm, msg.dpmm))
    .then(
      (b64) => parentPort.postMessage({ id: msg.id, b64 }),
      (e) => parentPort.postMessage({ id: msg.id, error: String(e && e.message ? e.message : e) }),
    );
});
`;

interface Reply {
  id: number;
  b64?: string;
  error?: string;
}

function isReply(v: unknown): v is Reply {
  return typeof v === "object" && v !== null && typeof (v as { id?: unknown }).id === "number";
}

/** Starts no thread until the first render. */
export function createWorkerPreviewRenderer(
  options: WorkerPreviewRendererOptions = {},
): WorkerPreviewRenderer {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const modulePath = createRequire(import.meta.url).resolve("zpl-renderer-js");
  const pending = new Map<
    number,
    { resolve: (png: Uint8Array) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  let worker: Worker | undefined;
  let nextId = 1;
  let closed = false;

  const failAll = (why: string): void => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
      pending.delete(id);
    }
  };

  const stopWorker = (w: Worker): void => {
    if (worker === w) worker = undefined;
    void w.terminate();
  };

  const ensureWorker = (): Worker => {
    if (worker !== undefined) return worker;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath } });
    w.unref(); // previews never keep the process alive
    w.on("message", (msg: unknown) => {
      if (!isReply(msg)) return;
      const p = pending.get(msg.id);
      if (p === undefined) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.b64 !== undefined) p.resolve(new Uint8Array(Buffer.from(msg.b64, "base64")));
      else p.reject(new Error(msg.error ?? "render failed"));
    });
    w.on("error", (e) => {
      failAll(`preview worker failed: ${e.message}`);
      stopWorker(w);
    });
    w.on("exit", () => {
      if (worker === w) worker = undefined;
      failAll("preview worker exited");
    });
    worker = w;
    return w;
  };

  return {
    render(zpl, widthMm, heightMm, dpmm) {
      if (closed) return Promise.reject(new Error("preview renderer closed"));
      const w = ensureWorker();
      const id = nextId++;
      return new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`preview render timed out after ${timeoutMs} ms`));
          // A stuck WASM render cannot be interrupted: replace the worker.
          failAll("preview worker restarted after a timeout");
          stopWorker(w);
        }, timeoutMs);
        timer.unref();
        pending.set(id, { resolve, reject, timer });
        w.postMessage({ id, zpl, widthMm, heightMm, dpmm });
      });
    },
    async close() {
      closed = true;
      failAll("preview renderer closed");
      const w = worker;
      worker = undefined;
      if (w !== undefined) await w.terminate().catch(() => undefined);
    },
  };
}
