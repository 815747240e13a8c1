/**
 * A simulated OpenEPaperLink access point (reference/device-protocols.md §6.1) on loopback: the
 * AP's HTTP routes (`POST /imgupload`, `GET /get_db`) with its reply texts, and the `/ws`
 * WebSocket pushing `{"tags":[record]}` on every check-in and change. Virtual tags check in on a
 * fast schedule; on a check-in a tag takes its pending image (the AP's prepared data: JPEG →
 * nearest palette colour → planes → zlib when the type takes it), decodes it as a tag would and
 * writes what it shows to `<outputDir>/<tag id>/<n>.png`.
 *
 * Faults: `busy` (409 Come back later for the next N uploads), `unreachable` (the AP stops
 * listening), per tag `outOfRange` (misses its check-ins) and `batteryMv`.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { createCanvas, loadCanvas } from "../../drivers/label/canvas.ts";
import { WebSocketServer } from "ws";
import {
  CAP_COMPRESSION,
  TAG_TYPES,
  createIndexed,
  packPlanes,
  parseZlibInput,
  unpackPlanes,
  zlibInput,
  type IndexedImage,
  type TagRecord,
} from "../../firmware-protocols/oepl/index.ts";
import { normalizeMac } from "../../firmware-protocols/oepl/index.ts";
import { tagDeflate } from "../../drivers/epaper/raster.ts";
import { indexedToPng } from "./epaper-png.ts";

export interface SimTagOptions {
  /** Directory name under the output dir (the device id, e.g. `epaper-1`). */
  id: string;
  mac: string;
  hwType: number;
  /** Check-in period (default 500 ms). */
  checkinMs?: number;
  batteryMv?: number;
}

interface SimTag {
  id: string;
  record: TagRecord;
  checkinMs: number;
  outOfRange: boolean;
  /** What the AP holds for the tag: the over-the-air data and its type. */
  pendingData: { dataType: number; bytes: Uint8Array } | undefined;
  shown: number;
  timer: NodeJS.Timeout | undefined;
}

export interface OeplApSimulator {
  readonly port: number;
  readonly url: string;
  /** Over-the-air bytes of every image the AP prepared, in order (for the bench). */
  readonly airBytes: number[];
  /** Next N uploads are answered `409 Come back later`. */
  setBusy(n: number): void;
  /** Stops (false) or resumes (true) answering HTTP and WebSocket on the same port. */
  setReachable(on: boolean): Promise<void>;
  setOutOfRange(tagId: string, on: boolean): void;
  setBattery(tagId: string, mv: number): void;
  /** PNGs written so far for a tag. */
  shown(tagId: string): number;
  close(): Promise<void>;
}

const nowS = (): number => Math.floor(Date.now() / 1000);

async function decodeJpeg(
  bytes: Uint8Array,
  w: number,
  h: number,
  colour: string,
): Promise<IndexedImage> {
  const image = new (loadCanvas().Image)();
  await new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = (e) => reject(e);
    image.src = Buffer.from(bytes);
  });
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  const d = ctx.getImageData(0, 0, w, h).data;
  const pal: Array<[number, number, number, number]> = [
    [255, 255, 255, 0],
    [0, 0, 0, 1],
  ];
  if (colour === "red") pal.push([255, 0, 0, 2]);
  if (colour === "yellow") pal.push([255, 255, 0, 2]);
  const img = createIndexed(w, h);
  for (let i = 0; i < w * h; i++) {
    // dither=0: nearest palette colour, weighted RGB distance (§6.1, §6.3).
    const r = d[i * 4] ?? 0;
    const g = d[i * 4 + 1] ?? 0;
    const b = d[i * 4 + 2] ?? 0;
    let best = 0;
    let bestD = Infinity;
    for (const [pr, pg, pb, idx] of pal) {
      const dist = 3 * (r - pr) ** 2 + 4 * (g - pg) ** 2 + 2 * (b - pb) ** 2;
      if (dist < bestD) [best, bestD] = [idx, dist];
    }
    img.px[i] = best;
  }
  return img;
}

export async function startOeplApSimulator(opts: {
  tags: SimTagOptions[];
  outputDir: string;
  port?: number;
}): Promise<OeplApSimulator> {
  const tags = new Map<string, SimTag>();
  for (const t of opts.tags) {
    const mac = normalizeMac(t.mac);
    if (mac === undefined) throw new RangeError(`bad MAC for tag ${t.id}`);
    const type = TAG_TYPES[t.hwType];
    const checkinMs = t.checkinMs ?? 500;
    tags.set(mac, {
      id: t.id,
      checkinMs,
      outOfRange: false,
      shown: 0,
      pendingData: undefined,
      timer: undefined,
      record: {
        mac,
        hash: "00000000000000000000000000000000",
        lastseen: nowS(),
        nextcheckin: nowS() + Math.ceil(checkinMs / 1000),
        pending: 0,
        RSSI: -62,
        LQI: 98,
        batteryMv: t.batteryMv ?? 2950,
        temperature: 21,
        hwType: t.hwType,
        updatelast: 0,
        updatecount: 0,
        capabilities: type?.zlib === true ? CAP_COMPRESSION : 0,
        wakeupReason: 0xfc,
        alias: t.id,
      },
    });
  }
  let busy = 0;
  const airBytes: number[] = [];
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true });
  const broadcast = (r: TagRecord): void => {
    const text = JSON.stringify({ tags: [r] });
    for (const c of wss.clients) c.send(text);
  };

  const checkIn = async (t: SimTag): Promise<void> => {
    if (t.outOfRange) return;
    const r = t.record;
    r.lastseen = nowS();
    r.nextcheckin = r.lastseen + Math.max(1, Math.ceil(t.checkinMs / 1000));
    r.wakeupReason = 0;
    const p = t.pendingData;
    if (p !== undefined) {
      t.pendingData = undefined;
      const type = TAG_TYPES[r.hwType];
      const planes =
        p.dataType === 0x30
          ? parseZlibInput(new Uint8Array(inflateSync(p.bytes)))
          : {
              width: type?.width ?? 0,
              height: type?.height ?? 0,
              planes: p.dataType === 0x21 ? (2 as const) : (1 as const),
              data: p.bytes,
            };
      const dir = join(opts.outputDir, t.id);
      await mkdir(dir, { recursive: true });
      t.shown++;
      await writeFile(
        join(dir, `${t.shown}.png`),
        indexedToPng(unpackPlanes(planes), type?.colour ?? "none"),
      );
      r.pending = 0;
      r.updatelast = nowS();
      r.updatecount++;
    }
    broadcast({ ...r });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://ap");
    const text = (status: number, body: string): void => {
      res.writeHead(status, { "content-type": "text/plain" }).end(body);
    };
    if (req.method === "GET" && url.pathname === "/get_db") {
      const mac = url.searchParams.get("mac");
      const list = [...tags.values()]
        .map((t) => t.record)
        .filter((r) => mac === null || r.mac === normalizeMac(mac));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ tags: list, continu: 0 }));
      return;
    }
    if (req.method === "POST" && url.pathname === "/imgupload") {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (busy > 0) {
        busy--;
        return text(409, "Come back later");
      }
      let form: FormData;
      try {
        form = await new Response(Buffer.concat(chunks), {
          headers: { "content-type": req.headers["content-type"] ?? "" },
        }).formData();
      } catch {
        return text(400, "parameters incomplete");
      }
      const macField = form.get("mac");
      const file = form.get("image") ?? form.get("file");
      if (typeof macField !== "string" || file === null || typeof file === "string")
        return text(400, "parameters incomplete");
      const t = tags.get(normalizeMac(macField) ?? "");
      if (t === undefined) return text(400, "mac not found");
      const type = TAG_TYPES[t.record.hwType];
      if (type === undefined) return text(400, "parameters incomplete");
      let img: IndexedImage;
      try {
        img = await decodeJpeg(
          new Uint8Array(await file.arrayBuffer()),
          type.width,
          type.height,
          type.colour,
        );
      } catch {
        return text(400, "parameters incomplete");
      }
      const planes = packPlanes(img, type.bpp);
      const zlib = type.zlib && (t.record.capabilities & CAP_COMPRESSION) !== 0;
      const data = zlib
        ? { dataType: 0x30, bytes: tagDeflate(zlibInput(planes)) }
        : { dataType: planes.planes === 2 ? 0x21 : 0x20, bytes: planes.data };
      airBytes.push(data.bytes.length);
      t.pendingData = data;
      t.record.pending = 1;
      t.record.hash = createHash("md5").update(data.bytes).digest("hex");
      broadcast({ ...t.record });
      return text(200, "Ok, saved");
    }
    text(404, "Not found");
  };

  let server: Server = createServer();
  const wire = (s: Server): void => {
    s.on("request", (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end("error");
      });
    });
    s.on("upgrade", (req, socket, head) => {
      if (new URL(req.url ?? "/", "http://ap").pathname !== "/ws") {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    });
    s.on("connection", (sock: Socket) => {
      sockets.add(sock);
      sock.on("close", () => sockets.delete(sock));
    });
  };
  const listen = (s: Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        const a = s.address();
        resolve(typeof a === "object" && a !== null ? a.port : port);
      });
    });
  wire(server);
  const port = await listen(server, opts.port ?? 0);
  let reachable = true;

  for (const t of tags.values()) {
    const tick = (): void => {
      t.timer = setTimeout(() => {
        checkIn(t)
          .catch(() => undefined)
          .finally(() => {
            if (t.timer !== undefined) tick();
          });
      }, t.checkinMs);
    };
    tick();
  }
  const byId = (id: string): SimTag => {
    const t = [...tags.values()].find((x) => x.id === id);
    if (t === undefined) throw new RangeError(`no simulated tag ${id}`);
    return t;
  };
  const stopServer = async (): Promise<void> => {
    for (const c of wss.clients) c.terminate();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    airBytes,
    setBusy: (n) => void (busy = n),
    async setReachable(on) {
      if (on === reachable) return;
      reachable = on;
      if (!on) return stopServer();
      server = createServer();
      wire(server);
      await listen(server, port);
    },
    setOutOfRange: (id, on) => void (byId(id).outOfRange = on),
    setBattery(id, mv) {
      const t = byId(id);
      t.record.batteryMv = mv;
    },
    shown: (id) => byId(id).shown,
    async close() {
      for (const t of tags.values()) {
        clearTimeout(t.timer);
        t.timer = undefined;
      }
      if (reachable) await stopServer();
      wss.close();
    },
  };
}
