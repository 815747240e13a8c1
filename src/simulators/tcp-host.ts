/**
 * Hosts a device simulator on a loopback TCP port, like a printer's raw port 9100
 * (reference/device-protocols.md §1.5: replies come back on the same socket).
 *
 * Every printed format is written under `<dataDir>/sim/<deviceId>/`: `<n>.zpl` (or the family's
 * `fileExtension`) with the exact bytes, then `<n>.png`, a preview drawn by zpl-renderer-js or by
 * the family's own `renderPng` (DESIGN.md §6). `stats.json` holds `bytes_received` (every byte,
 * also downloads outside a label) and `labels_printed`, rewritten as they change. n counts 1, 2, 3 …
 * and continues after the files already in the folder. Files are written off the receive path:
 * the socket handler only feeds the simulator; writing and rendering run on promise chains (and
 * the render in a worker thread), so a slow disk or renderer never delays a status reply.
 */
import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import {
  createZplSimulator,
  type ZplSimulator,
  type ZplSimulatorSink,
} from "../../drivers/zebra-zpl/simulator.ts";
import { createWorkerPreviewRenderer, type PreviewRenderer } from "./preview.ts";

/** The logger slice this module needs (pino-compatible). */
export interface TcpHostLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Outputs of a simulator: the same shape for every device family. */
export type SimulatorSink = ZplSimulatorSink;

export interface SimulatorLike {
  receive(chunk: Uint8Array): void;
}

export interface PreviewOptions {
  /** Dots per millimetre of the preview (default 8, i.e. 203 dpi). */
  dpmm?: number;
  /** Label size used when the format has no `^PW` / `^LL` (default 100 × 150 mm). */
  widthMm?: number;
  heightMm?: number;
}

export interface HostSimulatorOnTcpOptions<S extends SimulatorLike> {
  /** Device id; also the output folder name, so 1–64 of letters, digits, `_ . -`. */
  deviceId: string;
  dataDir: string;
  /** Listen address (default 127.0.0.1: simulators stay on loopback). */
  host?: string;
  /** Listen port (default 0: a free port, see `port` of the result). */
  port?: number;
  /** Builds the device-side logic around the sink (default: a ZPL printer simulator). */
  createSimulator?: (sink: SimulatorSink) => S;
  /** Extension of the files holding each printed format's bytes (default `zpl`). */
  fileExtension?: string;
  /**
   * Renders a printed format to PNG with the family's own interpreter (TSPL, ESC/POS, CPCL); when
   * given, zpl-renderer-js is not used. It gets the simulator's `preview` of the format when there
   * is one (printer memory resolved, e.g. TSPL `PUTBMP` of stored files), else its bytes.
   */
  renderPng?: (format: Uint8Array) => Promise<Uint8Array>;
  /** `false` writes `.zpl` files only (benchmarks); otherwise preview settings. */
  preview?: false | PreviewOptions;
  /** Injected renderer (tests); default: zpl-renderer-js in a worker thread, owned by the host. */
  renderer?: PreviewRenderer;
  /** Previews queued beyond this many are skipped with a warning (default 64). */
  maxPendingPreviews?: number;
  logger?: TcpHostLogger;
}

/** What was written for one printed format. */
export interface FormatWritten {
  /** File number in the output folder. */
  n: number;
  /** The simulator's print counter (1 = first format printed by this simulator). */
  index: number;
  /** Undefined when the `.zpl` could not be written (logged). */
  zplPath: string | undefined;
  /** Undefined when the preview is off, skipped or failed (logged). */
  pngPath: string | undefined;
}

export interface HostedTcpSimulator<S extends SimulatorLike> {
  readonly host: string;
  readonly port: number;
  readonly outputDir: string;
  readonly simulator: S;
  /** Resolves when format number `n` has its `.zpl` and (if any) `.png` written. */
  waitForFormat(n: number): Promise<FormatWritten>;
  /** Called after each format's files are written; returns an unsubscribe function. */
  onWritten(listener: (w: FormatWritten) => void): () => void;
  /** Resolves when every format printed so far has been written. */
  idle(): Promise<void>;
  /** Drops every open connection, as a printer reboot or a pulled cable would (fault tests). */
  disconnectClients(): void;
  /** Stops listening, drops connections, waits for pending files. Never rejects. */
  close(): Promise<void>;
}

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FILE_NUMBER = /^([0-9]+)\.([a-z]+)$/;
/** Written results kept for late `waitForFormat` calls. */
const MAX_RESULTS_KEPT = 1024;

const noopLogger: TcpHostLogger = { warn: () => undefined };

function errorText(e: unknown): string {
  return e instanceof Error ? e.message.slice(0, 200) : "unknown error";
}

/** Label size of a format from its `^PW` / `^LL` (dots), else the defaults. */
function previewSize(
  zpl: string,
  p: PreviewOptions,
): { widthMm: number; heightMm: number; dpmm: number } {
  const dpmm = p.dpmm ?? 8;
  const pw = /\^PW([0-9]+)/i.exec(zpl)?.[1];
  const ll = /\^LL([0-9]+)/i.exec(zpl)?.[1];
  return {
    widthMm: pw !== undefined ? Number(pw) / dpmm : (p.widthMm ?? 100),
    heightMm: ll !== undefined ? Number(ll) / dpmm : (p.heightMm ?? 150),
    dpmm,
  };
}

async function lastFileNumber(dir: string): Promise<number> {
  let max = 0;
  for (const name of await readdir(dir)) {
    const m = FILE_NUMBER.exec(name);
    if (m?.[1] !== undefined) max = Math.max(max, Number(m[1]));
  }
  return max;
}

export function hostSimulatorOnTcp<S extends SimulatorLike>(
  options: HostSimulatorOnTcpOptions<S> & { createSimulator: (sink: SimulatorSink) => S },
): Promise<HostedTcpSimulator<S>>;
export function hostSimulatorOnTcp(
  options: Omit<HostSimulatorOnTcpOptions<ZplSimulator>, "createSimulator">,
): Promise<HostedTcpSimulator<ZplSimulator>>;
/**
 * Starts the host; resolves once it listens. Rejects when the device id is unusable as a folder
 * name, the folder cannot be created, or the port cannot be bound.
 */
export async function hostSimulatorOnTcp(
  options: HostSimulatorOnTcpOptions<SimulatorLike>,
): Promise<HostedTcpSimulator<SimulatorLike>> {
  if (!DEVICE_ID.test(options.deviceId)) throw new RangeError("deviceId is not a valid device id");
  const host = options.host ?? "127.0.0.1";
  const logger = options.logger ?? noopLogger;
  const outputDir = join(options.dataDir, "sim", options.deviceId);
  const preview = options.preview === false ? undefined : (options.preview ?? {});
  const maxPendingPreviews = options.maxPendingPreviews ?? 64;
  await mkdir(outputDir, { recursive: true });
  let lastN = await lastFileNumber(outputDir);

  const ext = options.fileExtension ?? "zpl";
  const ownRenderer =
    preview !== undefined && options.renderer === undefined && options.renderPng === undefined
      ? createWorkerPreviewRenderer()
      : undefined;
  const render = options.renderer ?? ownRenderer?.render;

  const sockets = new Set<Socket>();
  let active: Socket | undefined;
  const pending = new Set<Promise<void>>();
  const results = new Map<number, FormatWritten>();
  const waiters = new Map<number, Array<(w: FormatWritten) => void>>();
  const listeners = new Set<(w: FormatWritten) => void>();
  let zplChain: Promise<void> = Promise.resolve();
  let pendingPreviews = 0;

  const finish = (w: FormatWritten): void => {
    results.set(w.n, w);
    if (results.size > MAX_RESULTS_KEPT) {
      const oldest = results.keys().next().value;
      if (oldest !== undefined) results.delete(oldest);
    }
    for (const f of waiters.get(w.n) ?? []) f(w);
    waiters.delete(w.n);
    for (const l of [...listeners]) {
      try {
        l(w);
      } catch (e) {
        logger.warn({ device: options.deviceId, error: errorText(e) }, "onWritten listener failed");
      }
    }
  };

  let bytesReceived = 0;
  let labelsPrinted = 0;
  let statsWriting = false;
  let statsDirty = false;
  const statsPath = join(outputDir, "stats.json");
  const writeStats = (): void => {
    if (statsWriting) {
      statsDirty = true;
      return;
    }
    statsWriting = true;
    statsDirty = false;
    const body = JSON.stringify({ bytes_received: bytesReceived, labels_printed: labelsPrinted });
    const task = writeAtomically(statsPath, new TextEncoder().encode(`${body}\n`))
      .catch((e: unknown) =>
        logger.warn({ device: options.deviceId, error: errorText(e) }, "stats not written"),
      )
      .finally(() => {
        statsWriting = false;
        if (statsDirty) writeStats();
      });
    pending.add(task);
    void task.finally(() => pending.delete(task));
  };

  const writeFormat = (
    n: number,
    index: number,
    bytes: Uint8Array,
    previewBytes?: Uint8Array,
  ): void => {
    const zplPath = join(outputDir, `${n}.${ext}`);
    const pngPath = join(outputDir, `${n}.png`);
    // .zpl files are written one after the other, in print order, before their preview.
    const zplWritten = zplChain
      .then(() => writeAtomically(zplPath, bytes).then(() => true))
      .catch((e: unknown) => {
        logger.warn(
          { device: options.deviceId, n, bytes: bytes.length, error: errorText(e) },
          "simulator could not write format",
        );
        return false;
      });
    zplChain = zplWritten.then(() => undefined);
    const renderPng = options.renderPng;
    let wantPreview = preview !== undefined && (render !== undefined || renderPng !== undefined);
    if (wantPreview && pendingPreviews >= maxPendingPreviews) {
      logger.warn(
        { device: options.deviceId, n, pending: pendingPreviews },
        "preview skipped: render backlog full",
      );
      wantPreview = false;
    }
    if (wantPreview) pendingPreviews++;
    const task = zplWritten.then(async (zplOk) => {
      let png: string | undefined;
      if (wantPreview && zplOk && preview !== undefined) {
        try {
          if (renderPng !== undefined) {
            await writeAtomically(pngPath, await renderPng(previewBytes ?? bytes));
          } else if (render !== undefined) {
            const text = new TextDecoder().decode(previewBytes ?? bytes);
            const size = previewSize(text, preview);
            await writeAtomically(
              pngPath,
              await render(text, size.widthMm, size.heightMm, size.dpmm),
            );
          }
          png = pngPath;
        } catch (e) {
          logger.warn(
            { device: options.deviceId, n, bytes: bytes.length, error: errorText(e) },
            "simulator preview failed",
          );
        }
      }
      if (wantPreview) pendingPreviews--;
      finish({ n, index, zplPath: zplOk ? zplPath : undefined, pngPath: png });
    });
    pending.add(task);
    void task.finally(() => pending.delete(task));
  };

  const sink: SimulatorSink = {
    reply(bytes) {
      // Replies go to the connection whose bytes are being processed (TCP 9100 semantics).
      if (active !== undefined && !active.destroyed) active.write(bytes);
    },
    printed({ index, bytes, preview: previewBytes }) {
      lastN++;
      labelsPrinted++;
      writeFormat(lastN, index, bytes.slice(), previewBytes?.slice());
      writeStats();
    },
  };
  const simulator = (options.createSimulator ?? ((s) => createZplSimulator({ sink: s })))(sink);

  const server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("data", (chunk: Buffer) => {
      active = socket;
      bytesReceived += chunk.byteLength;
      writeStats();
      simulator.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    // A host that resets the connection is an ordinary disconnect for a printer.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sockets.delete(socket);
      if (active === socket) active = undefined;
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (e) =>
    logger.warn({ device: options.deviceId, error: errorText(e) }, "simulator server error"),
  );
  const port = (server.address() as AddressInfo).port;

  const idle = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending]);
  };

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    outputDir,
    simulator,
    waitForFormat(n) {
      const done = results.get(n);
      if (done !== undefined) return Promise.resolve(done);
      return new Promise((resolve) => {
        const list = waiters.get(n) ?? [];
        list.push(resolve);
        waiters.set(n, list);
      });
    },
    onWritten(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    idle,
    disconnectClients() {
      for (const s of sockets) s.destroy();
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        await idle();
        await ownRenderer?.close();
      })();
      return closing;
    },
  };
}

/** Writes to a temporary name, then renames: a reader never sees a half-written label. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
