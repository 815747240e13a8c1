/**
 * Write → verify → lock on an R2000 encoder (reference/device-protocols.md §5.1 provisioning
 * order, §5.2 commands): inventory (exactly one tag in the field), write the site's access
 * password, write the EPC (and the PC word when the tag's differs), optionally user memory, read
 * the EPC back and compare, then lock the EPC (password-write) and the access password
 * (password-read/write). Each step's result code maps to a normalized condition.
 *
 * Outcome rules: a step that fails with a result code is `failed` (the reader said what
 * happened); a step without a reply is `in_doubt` once any write has gone out, else `failed` with
 * `device_no_response` (nothing was changed).
 */
import { PC_96, toHex } from "../../firmware-protocols/epc/index.ts";
import {
  BROADCAST_ADDRESS,
  CMD,
  createR2000Decoder,
  describeResultCode,
  encodeLock,
  encodeRead,
  encodeRealtimeInventory,
  encodeWrite,
  LOCK_REGION,
  LOCK_TYPE,
  MEMBANK,
  parseInventoryReply,
  parseReadReply,
  parseWriteOrLockReply,
  SUCCESS,
  type R2000Frame,
} from "../../firmware-protocols/r2000/index.ts";
import type {
  DeviceIo,
  ExecuteOptions,
  ExecuteResult,
  ExecuteStep,
  RfidEncodeSpec,
} from "../rfid/job.ts";

/** Chunks a step reads without finding its reply before it gives up (line noise, other replies). */
const MAX_CHUNKS_PER_STEP = 256;

const u32 = (v: number): Uint8Array =>
  Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

class StepFailed {
  constructor(
    readonly outcome: "failed" | "in_doubt",
    readonly code: NonNullable<ExecuteResult["code"]>,
  ) {}
}

export async function encodeTagR2000(
  spec: RfidEncodeSpec,
  io: DeviceIo,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  if (spec.accessPassword === 0 || spec.accessPassword >>> 0 !== spec.accessPassword)
    throw new RangeError("the access password must be a non-zero 32-bit number");
  const addr = BROADCAST_ADDRESS;
  const decoder = createR2000Decoder();
  const frames: R2000Frame[] = [];
  const steps: ExecuteStep[] = [];
  let bytes = 0;
  let wrote = false; // a command that changes the tag has gone out
  let verified = false;
  let locked = false;

  async function send(b: Uint8Array, changesTag: boolean): Promise<void> {
    if (changesTag) wrote = true;
    bytes += b.length;
    await io.write(b);
  }

  /** The next frame of `command`; frames of other commands (a status poll's) are skipped. */
  async function next(command: number, step: string): Promise<R2000Frame> {
    for (let i = 0; i < MAX_CHUNKS_PER_STEP; i++) {
      const at = frames.findIndex((f) => f.command === command);
      if (at >= 0) return frames.splice(at, 1)[0]!;
      const chunk = await io.receive(options.stepTimeoutMs);
      if (chunk === undefined) break;
      for (const ev of decoder.push(chunk)) if (ev.type === "frame") frames.push(ev);
    }
    steps.push({ step, result: "no_reply" });
    throw new StepFailed(wrote ? "in_doubt" : "failed", "device_no_response");
  }

  /** Checks a result code: success continues, anything else ends the job with its condition. */
  function check(step: string, code: number): void {
    const d = describeResultCode(code);
    steps.push({ step, result: code === SUCCESS ? "ok" : (d.condition ?? d.name), code });
    if (code !== SUCCESS) throw new StepFailed("failed", d.condition ?? "protocol_error");
  }

  async function tagOp(step: string, command: number, request: Uint8Array): Promise<Uint8Array> {
    await send(request, command !== CMD.READ);
    const f = await next(command, step);
    if (f.data.length === 1) {
      check(step, f.data[0] ?? 0);
      return f.data;
    }
    if (command === CMD.READ) {
      const r = parseReadReply(f.data);
      if (r?.readData === undefined) {
        steps.push({ step, result: "protocol_error" });
        throw new StepFailed(wrote ? "in_doubt" : "failed", "protocol_error");
      }
      check(step, SUCCESS);
      return r.readData;
    }
    const r = parseWriteOrLockReply(f.data);
    if (r === undefined) {
      steps.push({ step, result: "protocol_error" });
      throw new StepFailed("in_doubt", "protocol_error");
    }
    check(step, r.resultCode);
    return r.epc;
  }

  try {
    // 1. Exactly one tag in the field: a second one could be the one written.
    await send(encodeRealtimeInventory(addr, 1), false);
    const seen = new Map<string, number>();
    for (;;) {
      const f = await next(CMD.REALTIME_INVENTORY, "inventory");
      const r = parseInventoryReply(f.data);
      if (r === undefined) continue;
      if (r.type === "result") check("inventory", r.code);
      if (r.type === "tag") seen.set(toHex(r.epc), r.pc);
      if (r.type === "end") break;
    }
    if (seen.size !== 1) {
      steps.push({
        step: "inventory",
        result: seen.size === 0 ? "rfid_no_tag" : "rfid_multiple_tags",
      });
      throw new StepFailed("failed", seen.size === 0 ? "rfid_no_tag" : "rfid_multiple_tags");
    }
    steps.push({ step: "inventory", result: "ok" });
    const pc = [...seen.values()][0] ?? PC_96;
    const password = spec.accessPassword;

    // 2. The access password first (§5.1): a tag left with zero is open to anyone.
    await tagOp(
      "write_access_password",
      CMD.WRITE,
      encodeWrite(addr, { password, bank: MEMBANK.RESERVED, wordAddress: 2, data: u32(password) }),
    );
    // 3. The EPC; the PC word too when the tag's length bits are not those of 96 bits.
    const epcData = pc === PC_96 ? spec.epc : Uint8Array.of(PC_96 >> 8, PC_96 & 0xff, ...spec.epc);
    await tagOp(
      "write_epc",
      CMD.WRITE,
      encodeWrite(addr, {
        password,
        bank: MEMBANK.EPC,
        wordAddress: pc === PC_96 ? 2 : 1,
        data: epcData,
      }),
    );
    if (spec.userMemory !== undefined) {
      await tagOp(
        "write_user",
        CMD.WRITE,
        encodeWrite(addr, { password, bank: MEMBANK.USER, wordAddress: 0, data: spec.userMemory }),
      );
    }
    // 4. Read back: verified only when the tag holds exactly what was written.
    const back = await tagOp(
      "read_epc",
      CMD.READ,
      encodeRead(addr, {
        password,
        bank: MEMBANK.EPC,
        wordAddress: 2,
        wordCount: spec.epc.length / 2,
      }),
    );
    if (!sameBytes(back, spec.epc)) {
      steps.push({ step: "verify", result: "rfid_verify_failed" });
      throw new StepFailed("failed", "rfid_verify_failed");
    }
    verified = true;
    steps.push({ step: "verify", result: "ok" });
    // 5. Lock the EPC against writes and the access password against reads and writes.
    if (spec.lock) {
      await tagOp(
        "lock_epc",
        CMD.LOCK,
        encodeLock(addr, { password, region: LOCK_REGION.EPC, lockType: LOCK_TYPE.LOCK }),
      );
      await tagOp(
        "lock_access_password",
        CMD.LOCK,
        encodeLock(addr, {
          password,
          region: LOCK_REGION.ACCESS_PASSWORD,
          lockType: LOCK_TYPE.LOCK,
        }),
      );
      locked = true;
    }
    return { outcome: "ok", epc: toHex(spec.epc), verified, locked, voided: 0, bytes, steps };
  } catch (e) {
    if (!(e instanceof StepFailed)) throw e;
    return {
      outcome: e.outcome,
      code: e.code,
      epc: toHex(spec.epc),
      verified,
      locked,
      voided: 0,
      bytes,
      steps,
    };
  }
}
