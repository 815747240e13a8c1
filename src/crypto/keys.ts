/**
 * The gateway's secret keys, kept as files under `<dataDir>/keys/`:
 * - `hmac.key`: 32 random bytes, the HMAC-SHA-256 key of `waybill_ref` (look-up tag) and of
 *   the intake's content hashes; `hmac.<n>.key` (n ≥ 2): later `waybill_ref` generations;
 * - `data.key`: 32 random bytes, the AES-256-GCM key of data at rest (`waybill_enc`);
 *   `data.<n>.key` (n ≥ 2): later generations (`labelgate keys rotate`).
 *
 * Losing a key makes every record sealed or tagged with it unrecoverable or unsearchable, so a
 * key file is created atomically and fsynced before it is used, and a file that looks damaged is
 * refused rather than replaced. Keys are handed out as `KeyObject`s, which print and serialize
 * as opaque objects, so a stray log line cannot leak them.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { CodedError } from "../errors.ts";

/** Size of each key, in bytes (256 bits). */
export const KEY_BYTES = 32;

/** File names under `<dataDir>/keys/`. */
export const KEY_FILES = { hmac: "hmac.key", data: "data.key" } as const;

export interface Keys {
  /** HMAC-SHA-256 key of `waybill_ref` ({@link KEY_FILES}.hmac). */
  readonly hmac: KeyObject;
  /** AES-256-GCM key of data at rest ({@link KEY_FILES}.data). */
  readonly data: KeyObject;
  /**
   * 32 lowercase hex characters identifying this key pair without revealing it (a truncated
   * SHA-256 over both keys). The audit log stores it to refuse to run with keys other than the
   * ones its records were written with (e.g. a database restored without its keys directory).
   */
  readonly fingerprint: string;
  /** Key id of `data` (8 hex characters, see {@link dataKeyId}); new seals carry it. */
  readonly dataKeyId: string;
  /** Every data key generation by key id, to open what older keys sealed. */
  readonly dataKeys: ReadonlyMap<string, KeyObject>;
  /** Key id of generation 1 (`data.key`), which opened-only version-1 seals use. */
  readonly firstDataKeyId: string;
  /**
   * HMAC key of new `waybill_ref`s: the newest generation (`hmac.<n>.key` after `keys rotate`,
   * else `hmac.key`). `hmac` itself stays generation 1: it also keys the intake's content hashes,
   * which must not change across a rotation (a job sent again after it is still a duplicate).
   */
  readonly waybillRefKey: KeyObject;
  /** Id of {@link waybillRefKey} (see {@link hmacKeyId}). */
  readonly waybillRefKeyId: string;
  /** Every HMAC key generation by id, newest first: look-ups by waybill number try each. */
  readonly waybillRefKeys: ReadonlyMap<string, KeyObject>;
}

// POSIX permission bits; Windows reports synthetic modes, so the checks are skipped there.
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const CHECK_MODES = process.platform !== "win32";

/**
 * Loads the keys from `<dataDir>/keys/`, creating a missing key file with fresh random bytes
 * (mode 0600, directory 0700). Safe when two processes start at once: a key file appears
 * complete or not at all, and the loser of the race reads the winner's key.
 *
 * Throws CodedError `config_invalid` with `details.reason`:
 * - `"key_size"`: a key file exists but is not exactly {@link KEY_BYTES} bytes;
 * - `"key_permissions"`: a key file is readable or writable by group or others (POSIX only);
 * and CodedError `internal` with `"key_io"` when the directory or a file cannot be read or written.
 * `details.file` names the file (e.g. `"hmac.key"`), never its content.
 */
export function loadOrCreateKeys(dataDir: string): Keys {
  const dir = join(dataDir, "keys");
  ensureKeyDir(dataDir, dir);
  const hmacBytes = loadOrCreateKeyFile(dir, KEY_FILES.hmac);
  const dataBytes = loadOrCreateKeyFile(dir, KEY_FILES.data);
  const fingerprint = createHash("sha256")
    .update("labelgate/keys/fingerprint/v1\0")
    .update(hmacBytes)
    .update(dataBytes)
    .digest("hex")
    .slice(0, 32);
  const firstDataKeyId = dataKeyId(dataBytes);
  const dataKeys = new Map<string, KeyObject>([[firstDataKeyId, createSecretKey(dataBytes)]]);
  let current = firstDataKeyId;
  // Rotated generations: data.2.key, data.3.key … (see rotateDataKey); the highest is current.
  for (const g of rotatedGenerations(dir, "data")) {
    const bytes = loadOrCreateKeyFile(dir, rotatedFile("data", g));
    current = dataKeyId(bytes);
    dataKeys.set(current, createSecretKey(bytes));
    bytes.fill(0);
  }
  const hmac = createSecretKey(hmacBytes);
  // HMAC generations hmac.2.key, hmac.3.key … (see rotateHmacKey), newest first.
  const refKeys: [string, KeyObject][] = [[hmacKeyId(hmacBytes), hmac]];
  for (const g of rotatedGenerations(dir, "hmac")) {
    const bytes = loadOrCreateKeyFile(dir, rotatedFile("hmac", g));
    refKeys.unshift([hmacKeyId(bytes), createSecretKey(bytes)]);
    bytes.fill(0);
  }
  const [newestRef] = refKeys;
  const keys: Keys = {
    hmac,
    data: dataKeys.get(current) ?? createSecretKey(dataBytes),
    fingerprint,
    dataKeyId: current,
    dataKeys,
    firstDataKeyId,
    waybillRefKey: newestRef?.[1] ?? hmac,
    waybillRefKeyId: newestRef?.[0] ?? hmacKeyId(hmacBytes),
    waybillRefKeys: new Map(refKeys),
  };
  // createSecretKey copied the bytes; do not leave extra copies of the secrets on the heap.
  hmacBytes.fill(0);
  dataBytes.fill(0);
  return keys;
}

/**
 * The id of a data key: 8 lowercase hex characters of SHA-256("labelgate/data-key-id/v1" NUL ‖
 * key). It names the key in every value sealed under it, without revealing the key.
 */
export function dataKeyId(key: Uint8Array): string {
  return createHash("sha256")
    .update("labelgate/data-key-id/v1\0")
    .update(key)
    .digest("hex")
    .slice(0, 8);
}

/**
 * The id of an HMAC key (`waybill_ref`): 8 lowercase hex characters of
 * SHA-256("labelgate/hmac-key-id/v1" NUL ‖ key). Names the key in `keys rotate`'s output and
 * audit record without revealing it.
 */
export function hmacKeyId(key: Uint8Array): string {
  return createHash("sha256")
    .update("labelgate/hmac-key-id/v1\0")
    .update(key)
    .digest("hex")
    .slice(0, 8);
}

type KeyKind = "data" | "hmac";

const rotatedFile = (kind: KeyKind, generation: number) => `${kind}.${generation}.key`;

function rotatedGenerations(dir: string, kind: KeyKind): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw ioError("keys", e);
  }
  return names
    .map((n) => new RegExp(`^${kind}\\.([1-9][0-9]{0,5})\\.key$`).exec(n)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .filter((g) => g >= 2)
    .sort((a, b) => a - b);
}

/**
 * Key rotation (`labelgate keys rotate`): creates the next data key generation
 * (`data.<n>.key`, 0600, atomically). Values are sealed under it from the next start of the
 * daemon on; older generations stay, so everything sealed before still opens. Returns the new
 * key's id and generation.
 */
export function rotateDataKey(dataDir: string): { id: string; generation: number } {
  return rotate(dataDir, "data", dataKeyId);
}

/**
 * HMAC key rotation (`labelgate keys rotate`): creates the next `waybill_ref` key generation
 * (`hmac.<n>.key`, 0600, atomically). New records carry refs under it from the next start of the
 * daemon on; older generations stay, and a look-up by waybill number computes the ref under
 * every generation (`waybillRefs`), so records made before the rotation are still found. Limits
 * what a leaked older key reveals to the records tagged before the rotation. Returns the new
 * key's id and generation.
 */
export function rotateHmacKey(dataDir: string): { id: string; generation: number } {
  return rotate(dataDir, "hmac", hmacKeyId);
}

function rotate(
  dataDir: string,
  kind: KeyKind,
  idOf: (key: Uint8Array) => string,
): { id: string; generation: number } {
  const dir = join(dataDir, "keys");
  ensureKeyDir(dataDir, dir);
  loadOrCreateKeyFile(dir, KEY_FILES[kind]).fill(0); // generation 1 exists before any rotation
  const generation = (rotatedGenerations(dir, kind).at(-1) ?? 1) + 1;
  const bytes = loadOrCreateKeyFile(dir, rotatedFile(kind, generation));
  const id = idOf(bytes);
  bytes.fill(0);
  return { id, generation };
}

/** File name of the Ed25519 checkpoint signing key under `<dataDir>/keys/` (PKCS #8 DER). */
export const SIGNING_KEY_FILE = "checkpoint.ed25519";
/** Size of an Ed25519 private key in PKCS #8 DER (RFC 8410): 16 bytes of header + the 32-byte seed. */
const ED25519_PKCS8_BYTES = 48;

export interface SigningKey {
  /** Ed25519 private key; signs checkpoints and purge tombstones. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The raw 32-byte Ed25519 public key (RFC 8032). */
  readonly publicRaw: Uint8Array;
}

/**
 * Loads the audit checkpoint signing key from `<dataDir>/keys/checkpoint.ed25519`, generating it
 * on first start (same atomic creation, 0600 mode and refusal of damaged or group-readable files
 * as {@link loadOrCreateKeys}). It lives outside the database, so someone holding a copy of the
 * database alone cannot forge checkpoints. Throws as {@link loadOrCreateKeys} does.
 */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const dir = join(dataDir, "keys");
  ensureKeyDir(dataDir, dir);
  const der = loadOrCreateKeyFile(dir, SIGNING_KEY_FILE, ED25519_PKCS8_BYTES, () =>
    generateKeyPairSync("ed25519").privateKey.export({ format: "der", type: "pkcs8" }),
  );
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch (e) {
    throw new CodedError(
      "config_invalid",
      `key file ${SIGNING_KEY_FILE} is not an Ed25519 key`,
      { reason: "key_format", file: SIGNING_KEY_FILE },
      e,
    );
  } finally {
    der.fill(0);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new CodedError("config_invalid", `key file ${SIGNING_KEY_FILE} is not an Ed25519 key`, {
      reason: "key_format",
      file: SIGNING_KEY_FILE,
    });
  }
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ format: "der", type: "spki" });
  // SPKI of Ed25519 is a 12-byte header followed by the raw key (RFC 8410 §4).
  return { privateKey, publicKey, publicRaw: new Uint8Array(spki.subarray(spki.length - 32)) };
}

function ensureKeyDir(dataDir: string, dir: string): void {
  try {
    // The data directory gets the default mode (it is shared with other modules); only the
    // keys directory is private. An existing keys directory is the site's choice and is kept.
    mkdirSync(dataDir, { recursive: true });
    let created = true;
    try {
      mkdirSync(dir, { mode: DIR_MODE });
    } catch (e) {
      if (errno(e) !== "EEXIST") throw e;
      created = false;
    }
    // The umask applies to mkdir's mode; chmod makes it exactly 0700 (the owner must write keys).
    if (created && CHECK_MODES) chmodSync(dir, DIR_MODE);
  } catch (e) {
    throw ioError("keys", e);
  }
}

function loadOrCreateKeyFile(
  dir: string,
  file: string,
  size = KEY_BYTES,
  make: () => Buffer = () => randomBytes(KEY_BYTES),
): Buffer {
  const path = join(dir, file);
  let existing = readKeyFile(path, file, size);
  if (existing === undefined) {
    createKeyFile(dir, path, make);
    existing = readKeyFile(path, file, size);
    if (existing === undefined) throw ioError(file, new Error("key file vanished after creation"));
  }
  return existing;
}

/** Reads and checks one key file; undefined if it does not exist. */
function readKeyFile(path: string, file: string, expected: number): Buffer | undefined {
  let size: number;
  let mode: number;
  try {
    const st = statSync(path);
    size = st.size;
    mode = st.mode;
  } catch (e) {
    if (errno(e) === "ENOENT") return undefined;
    throw ioError(file, e);
  }
  // Checked before reading, so a huge or wrong file is never loaded and never overwritten.
  if (size !== expected) {
    throw new CodedError("config_invalid", `key file ${file} must be exactly ${expected} bytes`, {
      reason: "key_size",
      file,
      size,
      expected,
    });
  }
  if (CHECK_MODES && (mode & 0o077) !== 0) {
    throw new CodedError("config_invalid", `key file ${file} is accessible to group or others`, {
      reason: "key_permissions",
      file,
      mode: (mode & 0o777).toString(8),
      expected: FILE_MODE.toString(8),
    });
  }
  try {
    const bytes = readFileSync(path);
    if (bytes.length !== expected) throw new Error("key file changed size while being read");
    return bytes;
  } catch (e) {
    throw ioError(file, e);
  }
}

/**
 * Writes a fresh key to a private temporary file, fsyncs it, then hard-links it to its final
 * name. link() fails if the name exists, so a concurrent creator never overwrites a key, and a
 * crash never leaves a half-written key file under the final name (only a stray temp file).
 */
function createKeyFile(dir: string, path: string, make: () => Buffer): void {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  const key = make();
  try {
    const fd = openSync(tmp, "wx", FILE_MODE);
    try {
      // The umask applies to openSync's mode; fchmod makes the result exactly 0600.
      if (CHECK_MODES) fchmodSync(fd, FILE_MODE);
      let written = 0;
      while (written < key.length) written += writeSync(fd, key, written, key.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path);
    } catch (e) {
      if (errno(e) !== "EEXIST") throw e; // another process won the race: use its key
    }
    fsyncDir(dir);
  } catch (e) {
    throw ioError("keys", e);
  } finally {
    key.fill(0);
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing to clean up if the temp file was never created.
    }
  }
}

/** Makes the new directory entry durable; not possible on Windows, where it is skipped. */
function fsyncDir(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function errno(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string"
    ? e.code
    : undefined;
}

function ioError(file: string, cause: unknown): CodedError {
  const code = errno(cause);
  return new CodedError(
    "internal",
    `cannot read or write key file ${file}`,
    { reason: "key_io", file, ...(code ? { errno: code } : {}) },
    cause,
  );
}
