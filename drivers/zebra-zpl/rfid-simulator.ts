/**
 * An RFID printer: the ZPL printer simulator plus an encoder at the print head over a shared
 * {@link TagField} (reference/device-protocols.md §1.4, §9). Each label carries one inlay: a
 * format with `^RFW` is encoded before it prints (password, EPC, read-back, lock); a failed
 * attempt prints a VOID label and tries the next one, up to the `^RS` count, then drops the format
 * (`^RS…,N`). With `~RVE` seen, each format's result goes to the host as `_+,n_` / `_-,n_`; the
 * `^HV` read-back as `EPC=<hex>\r\n`; `! U1 getvar "rfid.error.response"` names the last error.
 * (The reply strings are unverified in the reference; codec and simulator agree on them.)
 * After each label leaves, the next label's blank inlay is under the antenna, unless the field
 * was empty (the "no tag" fault keeps it empty).
 */
import {
  createZplSimulator,
  type ZplSimulator,
  type ZplSimulatorOptions,
  type ZplSimulatorSink,
} from "./simulator.ts";
import { blankTag, type TagField, type TagOpResult } from "../rfid/tag-field.ts";

export interface ZplRfidSimulatorOptions extends ZplSimulatorOptions {
  field: TagField;
  /** Called with the field's memory (JSON, UTF-8) after each successful encode. */
  onTagMemory?: (json: Uint8Array) => void;
}

export interface ZplRfidSimulator extends ZplSimulator {
  readonly field: TagField;
  /** Labels voided so far. */
  readonly voided: number;
}

/** What a VOID label looks like (printed across the failed label). */
export const VOID_FORMAT = "^XA^FO60,200^A0N,160,160^FDVOID^FS^XZ";

const latin1 = (b: Uint8Array): string => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
};
const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const hexBytes = (h: string): Uint8Array =>
  Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const hex = (b: Uint8Array): string =>
  [...b]
    .map((x) => x.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();

const ERROR_TEXT: Record<Exclude<TagOpResult, "ok">, string> = {
  no_tag: "NO TAG FOUND",
  access_denied: "ACCESS PASSWORD ERROR",
  memory_locked: "MEMORY LOCKED",
  insufficient_power: "WRITE ERROR",
  memory_overrun: "MEMORY OVERRUN",
};

export function createZplRfidSimulator(o: ZplRfidSimulatorOptions): ZplRfidSimulator {
  const outer: ZplSimulatorSink = o.sink;
  const { field } = o;
  let reportResults = false;
  let lastError = "RFID OK";
  let tail = "";
  let printedCount = 0;
  let voided = 0;
  let tagSerial = 1000;

  // The preview (stored graphics and formats resolved) goes along, or the PNG loses ^XG text.
  const print = (bytes: Uint8Array, preview?: Uint8Array) =>
    outer.printed({ index: ++printedCount, bytes, ...(preview !== undefined && { preview }) });

  /** One attempt on the inlay under the antenna; undefined on success, else the failure. */
  function attempt(
    pwd: number,
    epc: Uint8Array,
    lock: boolean,
  ): Exclude<TagOpResult, "ok"> | Uint8Array {
    const steps: Array<() => { result: TagOpResult; data?: Uint8Array }> = [
      () =>
        field.write(
          pwd,
          "reserved",
          2,
          Uint8Array.of(pwd >>> 24, (pwd >>> 16) & 0xff, (pwd >>> 8) & 0xff, pwd & 0xff),
        ),
      () => field.write(pwd, "epc", 2, epc),
    ];
    for (const s of steps) {
      const r = s().result;
      if (r !== "ok") return r;
    }
    const back = field.read(pwd, "epc", 2, epc.length / 2);
    if (back.result !== "ok" || back.data === undefined)
      return back.result === "ok" ? "insufficient_power" : back.result;
    if (hex(back.data) !== hex(epc)) return "insufficient_power";
    if (lock) {
      for (const region of ["epc", "access_password"] as const) {
        const r = field.lock(pwd, region, "locked").result;
        if (r !== "ok") return r;
      }
    }
    return back.data;
  }

  /** The label leaves the printer: the next label's inlay takes its place (if labels carry any). */
  function nextLabel(): void {
    if (field.tags.length === 0) return;
    field.tags.splice(0, 1, blankTag({ serial: ++tagSerial }));
  }

  function encodeAndPrint(format: Uint8Array, preview?: Uint8Array): void {
    const s = latin1(format);
    const epcHex = /\^RFW,H,,,A\^FD([0-9A-Fa-f]+)\^FS/.exec(s)?.[1];
    if (epcHex === undefined) {
      print(format, preview);
      return;
    }
    const tries = Math.min(
      10,
      Math.max(1, Number(/\^RS8,[^,^]*,[^,^]*,([0-9]+)/.exec(s)?.[1] ?? "3")),
    );
    const pwd = parseInt(/\^RFW,H,2,4,0\^FD([0-9A-Fa-f]{8})\^FS/.exec(s)?.[1] ?? "0", 16) >>> 0;
    const lock = s.includes("^RLM,");
    const epc = hexBytes(epcHex);
    for (let n = 1; n <= tries; n++) {
      const r = attempt(pwd, epc, lock);
      if (r instanceof Uint8Array) {
        lastError = "RFID OK";
        o.onTagMemory?.(new TextEncoder().encode(`${JSON.stringify(field.snapshot(), null, 2)}\n`));
        // The odometer counted this format once, for the first label that came out (a VOID or
        // this one); every later label counts too, before it is reported printed.
        if (n > 1) base.countLabels(1);
        print(format, preview);
        outer.reply(bytesOf(`EPC=${hex(r)}\r\n`));
        if (reportResults) outer.reply(bytesOf(`_+,${n}_`));
        nextLabel();
        return;
      }
      lastError = ERROR_TEXT[r];
      voided++;
      if (n > 1) base.countLabels(1);
      print(bytesOf(VOID_FORMAT));
      nextLabel();
    }
    // ^RS…,N: the format is dropped after the last try.
    if (reportResults) outer.reply(bytesOf(`_-,${tries}_`));
  }

  const base = createZplSimulator({
    ...o,
    sink: { reply: (b) => outer.reply(b), printed: (f) => encodeAndPrint(f.bytes, f.preview) },
  });

  return {
    ...base,
    field,
    get voided() {
      return voided;
    },
    receive(chunk) {
      // ~RVE and the SGD query are scanned on the raw stream (they may straddle chunks).
      const text = tail + latin1(chunk);
      if (/~RVE/i.test(text)) reportResults = true;
      if (/~RVD/i.test(text)) reportResults = false;
      const sgd = /! U1 getvar "rfid\.error\.response"\r?\n/.exec(text);
      tail = sgd ? text.slice(sgd.index + sgd[0].length) : text.slice(-48);
      base.receive(chunk);
      if (sgd) outer.reply(bytesOf(`"${lastError}"`));
    },
  };
}
