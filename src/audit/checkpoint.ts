/**
 * Signed checkpoints of the audit log, in the C2SP tlog-checkpoint text format carried in a C2SP
 * signed note (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note). A checkpoint
 * commits to the log's size and the hash of its last record; held outside the box (published
 * retained on MQTT, saved by a supervisor) it lets `audit verify` detect truncation, rollback and
 * forks, which the hash chain alone cannot (reference A.1 lesson 1).
 *
 * ```
 * labelgate/demo/gw1                                  origin: "labelgate/" site "/" gateway
 * 1234                                                size: records 1…size are committed
 * q6Jz…base64 of the 32-byte hash of record `size`…=  (GENESIS_HASH bytes for size 0)
 * time 2026-11-30T08:00:00.000Z                       extension line: when it was signed
 *                                                     empty line ends the note text
 * — labelgate/demo/gw1 AbCd…base64(key id ‖ signature)…
 * ```
 *
 * The "root hash" line is the head of labelgate's hash chain (see `encoding.ts`), not an RFC 6962
 * Merkle root: a verifier recomputes it by walking the chain. Extension lines are part of the
 * signed text. A tombstone left by an approved retention purge uses the same form with the
 * extension lines `purge <approval id>` and `purged-below <seq>` (see `purge.ts`).
 *
 * Signature line (signed-note, Ed25519, algorithm byte 0x01): `— <key name> <base64(key id ‖
 * signature)>`, key id = first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key), the
 * signature is Ed25519 over the note text (every line before the empty line, each ending in
 * LF). `labelgate audit pubkey` prints the verifier key as `<name>+<key id hex>+<base64(0x01 ‖
 * public key)>`, the format of Go's `golang.org/x/mod/sumdb/note`.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { SigningKey } from "../crypto/keys.ts";

/** What a checkpoint states. */
export interface Checkpoint {
  /** `labelgate/<site>/<gateway>`. */
  readonly origin: string;
  /** Number of records committed: seq 1 … size. */
  readonly size: number;
  /** Lowercase hex hash of record `size` (64 zeros for an empty log). */
  readonly hash: string;
  /** When it was signed, ISO 8601 UTC with milliseconds. */
  readonly time: string;
  /** Further extension lines (e.g. `purge apr-…`), in order, without their LF. */
  readonly extensions: readonly string[];
}

/** Signature algorithm byte of Ed25519 in signed notes. */
const ALG_ED25519 = 0x01;
const EM_DASH = "\u2014";

/** The origin line of a gateway's checkpoints. */
export function checkpointOrigin(site: string, gateway: string): string {
  return `labelgate/${site}/${gateway}`;
}

/** The note text (the signed part) of a checkpoint. */
export function checkpointBody(
  cp: Omit<Checkpoint, "extensions"> & { extensions?: readonly string[] },
): string {
  const lines = [
    cp.origin,
    String(cp.size),
    Buffer.from(cp.hash, "hex").toString("base64"),
    `time ${cp.time}`,
    ...(cp.extensions ?? []),
  ];
  return `${lines.join("\n")}\n`;
}

/** The 4-byte key id of a signed-note Ed25519 key. */
export function noteKeyId(name: string, publicRaw: Uint8Array): Buffer {
  return createHash("sha256")
    .update(name, "utf8")
    .update(Uint8Array.of(0x0a, ALG_ED25519))
    .update(publicRaw)
    .digest()
    .subarray(0, 4);
}

/** The verifier key string: `<name>+<key id hex>+<base64(0x01 ‖ public key)>`. */
export function verifierKey(name: string, publicRaw: Uint8Array): string {
  return `${name}+${noteKeyId(name, publicRaw).toString("hex")}+${Buffer.concat([Uint8Array.of(ALG_ED25519), publicRaw]).toString("base64")}`;
}

/** Signs a checkpoint; returns the whole signed note (text, empty line, signature line). */
export function signCheckpoint(
  cp: Omit<Checkpoint, "extensions"> & { extensions?: readonly string[] },
  key: SigningKey,
): string {
  const body = checkpointBody(cp);
  const sig = sign(null, Buffer.from(body, "utf8"), key.privateKey);
  const blob = Buffer.concat([noteKeyId(cp.origin, key.publicRaw), sig]).toString("base64");
  return `${body}\n${EM_DASH} ${cp.origin} ${blob}\n`;
}

/** Why a note is not a valid checkpoint. */
export type CheckpointProblem = "malformed" | "unknown_key" | "bad_signature";

export type ParsedCheckpoint =
  | { readonly ok: true; readonly checkpoint: Checkpoint }
  | { readonly ok: false; readonly problem: CheckpointProblem };

/**
 * Parses a signed note and checks the Ed25519 signature made by `publicRaw` under the key name
 * `origin` (signatures by other keys, e.g. witnesses, are ignored as the format requires; at least
 * one by this key must be present and valid). `origin` must match the note's first line.
 */
export function openCheckpoint(
  note: string,
  publicRaw: Uint8Array,
  origin?: string,
): ParsedCheckpoint {
  const split = note.indexOf("\n\n");
  if (split < 0) return { ok: false, problem: "malformed" };
  const body = note.slice(0, split + 1);
  const lines = body.slice(0, -1).split("\n");
  const [o, sizeText, hashB64, timeLine, ...extensions] = lines;
  if (o === undefined || sizeText === undefined || hashB64 === undefined || timeLine === undefined)
    return { ok: false, problem: "malformed" };
  if (origin !== undefined && o !== origin) return { ok: false, problem: "malformed" };
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) return { ok: false, problem: "malformed" };
  const hash = Buffer.from(hashB64, "base64");
  if (hash.length !== 32 || hash.toString("base64") !== hashB64)
    return { ok: false, problem: "malformed" };
  const time = /^time (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/.exec(timeLine)?.[1];
  if (time === undefined) return { ok: false, problem: "malformed" };

  const keyId = noteKeyId(o, publicRaw);
  const publicKey = rawEd25519PublicKey(publicRaw);
  let sawKey = false;
  for (const line of note.slice(split + 2).split("\n")) {
    if (line === "") continue;
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (m === null) return { ok: false, problem: "malformed" };
    const blob = Buffer.from(m[2] ?? "", "base64");
    if (m[1] !== o || blob.length !== 68 || !blob.subarray(0, 4).equals(keyId)) continue;
    sawKey = true;
    if (verify(null, Buffer.from(body, "utf8"), publicKey, blob.subarray(4))) {
      return {
        ok: true,
        checkpoint: {
          origin: o,
          size: Number(sizeText),
          hash: hash.toString("hex"),
          time,
          extensions,
        },
      };
    }
  }
  return { ok: false, problem: sawKey ? "bad_signature" : "unknown_key" };
}

/** Parses a verifier key string (see {@link verifierKey}); undefined when malformed. */
export function parseVerifierKey(
  text: string,
): { readonly name: string; readonly publicRaw: Uint8Array } | undefined {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (m === null) return undefined;
  const raw = Buffer.from(m[3] ?? "", "base64");
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) return undefined;
  const publicRaw = new Uint8Array(raw.subarray(1));
  if (noteKeyId(m[1] ?? "", publicRaw).toString("hex") !== m[2]) return undefined;
  return { name: m[1] ?? "", publicRaw };
}

function rawEd25519PublicKey(raw: Uint8Array): KeyObject {
  // SPKI DER of an Ed25519 key: fixed 12-byte prefix (RFC 8410 §4) then the raw key.
  const prefix = Buffer.from("302a300506032b6570032100", "hex");
  return createPublicKey({ key: Buffer.concat([prefix, raw]), format: "der", type: "spki" });
}
