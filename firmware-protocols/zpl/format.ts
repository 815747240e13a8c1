/**
 * ZPL format encoder: command builders and, above all, safe field data.
 *
 * Field content is untrusted (it comes from job data). In ZPL a `^` or `~` anywhere in the stream
 * starts a command — `~` commands even act immediately, in the middle of a format (ZPL II
 * Programming Guide, "Format and Control Commands"). So every field written here is
 * `^FH_^FD<content>^FS` (`^FD<content>^FS` when it needs no escape), where `<content>` carries
 * `_XX` hex escapes (ZPL II PG, `^FH` Field
 * Hexadecimal Indicator: "the indicator can be any character except the current format and
 * control prefix"; the two hex digits that follow give the byte) for:
 * - the prefixes `^` (5E) and `~` (7E), so content can neither end the field nor start a command;
 * - the indicator `_` (5F) itself, so content cannot forge an escape;
 * - every C0 control byte (00–1F) and DEL (7F): CR/LF and friends never reach the parser raw.
 * Characters outside ASCII are sent as raw UTF-8 (every UTF-8 byte of a non-ASCII character is
 * ≥ 0x80, so none can be a prefix), selected by `^CI28` at the head of each format (ZPL II PG,
 * `^CI` Change International Font/Encoding: value 28 = Unicode UTF-8). Nothing is stripped
 * silently: what the job said is what the printer receives, only escaped.
 */
import {
  CARET,
  DEL,
  TILDE,
  UNDERSCORE,
  concatBytes,
  createByteBuffer,
  encodeAscii,
  encodeUtf8,
} from "./bytes.ts";

/** The hex indicator selected by `^FH_` (ZPL II PG, `^FH`; `_` is also the printer default). */
export const FH_INDICATOR = "_";

/** `^FD` holds at most 3072 bytes (ZPL II PG, `^FD` Field Data); longer data is truncated. */
export const MAX_FIELD_DATA_BYTES = 3072;

const HEX = "0123456789ABCDEF";
const BACKSLASH = 0x5c;

export interface FieldDataOptions {
  /**
   * The field is laid out by `^FB`, which reads `\&` as a line break and `\\` as one backslash
   * (ZPL II PG, `^FB` Field Block, comments). A backslash in the content is therefore doubled so
   * that it prints as itself. Default false.
   */
  fieldBlock?: boolean;
  /**
   * The field feeds a `^BX` Data Matrix (quality 200) whose escape character was set to `_` with
   * parameter g. `^FH` decoding runs before the `^BX` escape processing (ZPL II PG, `^BX`,
   * "Field Data for ^BX, Quality 200"), and there "`_` in data is encoded by `__`", so each
   * underscore is doubled before hex escaping. Default false.
   */
  dataMatrixEscape?: boolean;
}

/** True for the bytes that must never appear raw inside `^FD` (see the file comment). */
export function mustEscapeFieldByte(b: number): boolean {
  return b < 0x20 || b === DEL || b === CARET || b === TILDE || b === UNDERSCORE;
}

/**
 * The bytes that go between `^FD` and `^FS` for `text`, hex-escaped for `^FH_`.
 * The output never contains `^`, `~`, a byte < 0x20 or 0x7F, and every `_` in it starts a
 * two-digit escape. Throws RangeError when the escaped data exceeds {@link MAX_FIELD_DATA_BYTES}
 * (the printer would truncate it, possibly inside an escape); the message gives sizes only.
 */
export function escapeFieldData(text: string, options: FieldDataOptions = {}): Uint8Array {
  let source = encodeUtf8(text);
  if (options.fieldBlock === true) source = doubleByte(source, BACKSLASH);
  if (options.dataMatrixEscape === true) source = doubleByte(source, UNDERSCORE);
  const out = createByteBuffer(source.length + 16);
  for (const b of source) {
    if (mustEscapeFieldByte(b)) {
      out.push(UNDERSCORE);
      out.push(HEX.charCodeAt(b >> 4));
      out.push(HEX.charCodeAt(b & 0x0f));
    } else {
      out.push(b);
    }
  }
  if (out.length > MAX_FIELD_DATA_BYTES) {
    throw new RangeError(
      `field data is ${out.length} bytes after escaping; ZPL allows ${MAX_FIELD_DATA_BYTES}`,
    );
  }
  return out.take();
}

/**
 * `^FH_^FD<escaped text>^FS`, or `^FD<text>^FS` when the text needed no escape: the only way this
 * codebase writes field data. `^FH` acts on the one field that follows it (ZPL II PG, `^FH`), so
 * leaving it out where the data holds no `_` changes nothing the printer prints — and the data
 * then holds no prefix, no control byte and no indicator either (it is printable ASCII other than
 * `^ ~ _`, or UTF-8 ≥ 0x80). It saves 4 bytes on most fields of a label.
 */
export function encodeField(text: string, options: FieldDataOptions = {}): Uint8Array {
  const data = escapeFieldData(text, options);
  return concatBytes([
    encodeAscii(data.includes(UNDERSCORE) ? `^FH${FH_INDICATOR}^FD` : "^FD"),
    data,
    encodeAscii("^FS"),
  ]);
}

/** A command parameter: a number, an ASCII token, or undefined for an empty (default) slot. */
export type ZplParam = string | number | undefined;

const COMMAND_CODE = /^[A-Z0-9@]{2}$/;

function formatParam(p: ZplParam, index: number): string {
  if (p === undefined) return "";
  if (typeof p === "number") {
    if (!Number.isFinite(p)) throw new RangeError(`parameter ${index} is not a finite number`);
    return Number.isInteger(p) ? String(p) : String(Math.round(p * 100) / 100);
  }
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    // A parameter is program- or configuration-controlled (font names, mode letters). It may not
    // contain a prefix, the delimiter, or anything outside printable ASCII.
    if (c < 0x21 || c > 0x7e || c === CARET || c === TILDE || c === 0x2c) {
      throw new RangeError(`parameter ${index} has a forbidden character at index ${i}`);
    }
  }
  return p;
}

/**
 * `^<code>p1,p2,…` as ASCII bytes. `code` is the two-character command name (for `^A` the font
 * letter is the second character: `A0`, `A@`). The first parameter follows the name directly, as
 * in the manual's syntax lines (`^BCo,h,f,…`, `^A0N,h,w`, `^FOx,y`). Trailing undefined
 * parameters are dropped; inner ones leave an empty slot so the printer uses its default.
 * Throws RangeError on a bad code or parameter.
 */
export function encodeFormatCommand(code: string, ...params: ZplParam[]): Uint8Array {
  return encodeAscii(commandText("^", code, params));
}

/**
 * `~<code><params>` as ASCII bytes, e.g. `encodeControlCommand("HS")` → `~HS`,
 * `encodeControlCommand("HQ", "ES")` → `~HQES`.
 */
export function encodeControlCommand(code: string, params = ""): Uint8Array {
  if (!/^[A-Z0-9]{2}$/.test(code))
    throw new RangeError("control command code must be 2 characters");
  return encodeAscii(`~${code}${formatParam(params === "" ? undefined : params, 0)}`);
}

function commandText(prefix: string, code: string, params: ZplParam[]): string {
  if (!COMMAND_CODE.test(code)) throw new RangeError("command code must be 2 of A-Z, 0-9, @");
  let last = params.length;
  while (last > 0 && params[last - 1] === undefined) last--;
  const parts: string[] = [];
  for (let i = 0; i < last; i++) parts.push(formatParam(params[i], i));
  return prefix + code + parts.join(",");
}

/** Builds one format, `^XA^CI28 … ^XZ`; every field goes through {@link encodeField}. */
export interface ZplFormatBuilder {
  /** Appends `^<code>p1,p2,…` (see {@link encodeFormatCommand}). */
  command(code: string, ...params: ZplParam[]): ZplFormatBuilder;
  /** Appends `^FH_^FD<escaped>^FS`. */
  field(text: string, options?: FieldDataOptions): ZplFormatBuilder;
  /** Appends a LF: ignored by the printer between commands, kept for readable golden files. */
  newline(): ZplFormatBuilder;
  /** Appends `^XZ` and returns the whole format. The builder must not be used afterwards. */
  end(): Uint8Array;
}

/**
 * Starts a format with `^XA^CI28`: UTF-8 is selected per format (ZPL II PG, `^CI`) rather than
 * relying on a setting a previous job or an operator may have changed.
 */
export function beginFormat(): ZplFormatBuilder {
  const buf = createByteBuffer(1024);
  let ended = false;
  const live = (): void => {
    if (ended) throw new Error("format already ended");
  };
  buf.append(encodeAscii("^XA^CI28"));
  const builder: ZplFormatBuilder = {
    command(code, ...params) {
      live();
      buf.append(encodeFormatCommand(code, ...params));
      return builder;
    },
    field(text, options) {
      live();
      buf.append(encodeField(text, options));
      return builder;
    },
    newline() {
      live();
      buf.push(0x0a);
      return builder;
    },
    end() {
      live();
      ended = true;
      buf.append(encodeAscii("^XZ"));
      return buf.take();
    },
  };
  return builder;
}

function doubleByte(source: Uint8Array, byte: number): Uint8Array {
  if (!source.includes(byte)) return source;
  const out = createByteBuffer(source.length + 8);
  for (const b of source) {
    out.push(b);
    if (b === byte) out.push(b);
  }
  return out.take();
}
