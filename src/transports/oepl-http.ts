/**
 * The HTTP + WebSocket client of an OpenEPaperLink access point (reference/device-protocols.md
 * §6.1): `POST /imgupload` (multipart: `mac`, `dither`, the JPEG as `image`), `GET /get_db?mac=`,
 * and the `/ws` feed of tag records, redialled with back-off while the AP is unreachable.
 * Device I/O lives here so drivers stay free of node:http (test/layering.test.ts).
 */
import WebSocket from "ws";
import { parseTagsMessage, type TagRecord } from "../../firmware-protocols/oepl/index.ts";
import { CodedError } from "../errors.ts";

export type UploadOutcome =
  /** `200 Ok, saved`: the AP holds the content. */
  | { kind: "saved" }
  /** `409 Come back later`, or the AP could not be reached: try again later. */
  | { kind: "retry"; why: "busy" | "unreachable" }
  /** `400 mac not found` / `parameters incomplete`: retrying will not help. */
  | { kind: "refused"; why: "mac_not_found" | "bad_request" };

export interface OeplApClientOptions {
  /** e.g. `http://192.168.1.40` (no trailing slash). */
  baseUrl: string;
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
}

export class OeplApClient {
  readonly describe: string;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly listeners = new Set<(r: TagRecord) => void>();
  private ws: WebSocket | undefined;
  private redial: NodeJS.Timeout | undefined;
  private closed = false;
  private backoffMs = 100;

  constructor(o: OeplApClientOptions) {
    this.base = o.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.describe = `oepl:${new URL(this.base).host}`;
  }

  async uploadImage(mac: string, jpeg: Uint8Array): Promise<UploadOutcome> {
    const form = new FormData();
    form.set("mac", mac);
    // §6.1 barcode-safe upload: no dithering by the AP (text and barcodes stay crisp).
    form.set("dither", "0");
    form.set("image", new Blob([jpeg], { type: "image/jpeg" }), `${mac}.jpg`);
    let res: Response;
    try {
      res = await fetch(`${this.base}/imgupload`, {
        method: "POST",
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      return { kind: "retry", why: "unreachable" };
    }
    const body = (await res.text().catch(() => "")).trim().toLowerCase();
    if (res.status === 200) return { kind: "saved" };
    if (res.status === 409) return { kind: "retry", why: "busy" };
    if (res.status === 400 && body.includes("mac not found"))
      return { kind: "refused", why: "mac_not_found" };
    if (res.status >= 500) return { kind: "retry", why: "busy" };
    return { kind: "refused", why: "bad_request" };
  }

  /** The AP's record of one tag; undefined when the AP does not know it. */
  async getTag(mac: string): Promise<TagRecord | undefined> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/get_db?mac=${encodeURIComponent(mac)}`, {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new CodedError("device_offline", "the access point cannot be reached", {}, e);
    }
    const text = await res.text();
    return parseTagsMessage(text).find((r) => r.mac === mac.toUpperCase().padStart(16, "0"));
  }

  /** Follows the AP's WebSocket; every tag record pushed goes to `listener`. */
  onTag(listener: (r: TagRecord) => void): () => void {
    this.listeners.add(listener);
    if (this.ws === undefined && this.redial === undefined) this.dial();
    return () => this.listeners.delete(listener);
  }

  /** True while the WebSocket is open. */
  get watching(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private dial(): void {
    if (this.closed) return;
    const ws = new WebSocket(`${this.base.replace(/^http/, "ws")}/ws`);
    this.ws = ws;
    ws.on("open", () => (this.backoffMs = 100));
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      for (const r of parseTagsMessage(String(data))) for (const l of this.listeners) l(r);
    });
    ws.on("error", () => undefined);
    ws.on("close", () => {
      this.ws = undefined;
      if (this.closed) return;
      this.redial = setTimeout(() => {
        this.redial = undefined;
        this.dial();
      }, this.backoffMs);
      this.backoffMs = Math.min(5000, this.backoffMs * 2);
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.redial);
    this.redial = undefined;
    this.ws?.terminate();
    this.ws = undefined;
    this.listeners.clear();
  }
}
