import { createHmac, type KeyObject } from "node:crypto";
import { CodedError, isCodedError } from "../errors.ts";
import {
  isAllowedReplyTopic,
  parseDeviceJobTopic,
  parsePoolJobTopic,
  type Topics,
} from "../mqtt/topics.ts";
import type { Logger } from "../log.ts";
import { renderTemplate } from "../templates/index.ts";
import { parseEnvelope, sniffCorrelation, type JobEnvelope } from "./envelope.ts";
import { canonicalJson, type Inbox } from "./inbox.ts";
import type { AuditAppend, DeviceEventSend, Reply, ReplySend } from "./ports.ts";
import type { Admission } from "../access/admission.ts";

/** Receives the replies of one directly submitted job (see `submit`). */
export type DirectReply = (r: Reply) => void;

export type GuardVerdict = { ok: true } | { ok: false; path: string; rule: string };

export interface IntakeDeps {
  topics: Topics;
  maxJobBytes: number;
  maxCopies: number;
  /** Device ids this gateway owns, with the job kinds each accepts. */
  deviceKinds: (id: string) => readonly string[] | undefined;
  guard: (data: unknown, now: number) => GuardVerdict;
  /** Checks a job's `rfid` block (src/rfid/intake.ts); absent: jobs with one are refused. */
  rfid?: (env: JobEnvelope) => { waybillNo?: string };
  /** Access rules (lockdown, operator, exemption, waybill life cycle, approvals); see src/access/admission.ts. */
  admission?: Admission;
  inbox: Inbox;
  /** Runs `fn` in one SQLite transaction (inbox row + `job.accepted` record commit together). */
  transaction: <T>(fn: () => T) => T;
  /**
   * Group commit (`src/db/group-commit.ts`): runs `fn` in the next batch transaction and resolves
   * once that batch is durable. The inbox row and its `job.accepted` record go through it, so the
   * PUBACK (sent when `handle` resolves) waits for exactly one shared fsync.
   */
  commit: <T>(fn: () => T) => Promise<T>;
  audit: AuditAppend;
  reply: ReplySend;
  event: DeviceEventSend;
  /** Hands an accepted job to its device's queue. */
  enqueue: (device: string, jobId: string) => void;
  /**
   * For a `pool/{pool}/job` topic: the member device the job goes to (src/devices/pools.ts),
   * which then stands for the topic's device; undefined for any other topic.
   */
  routePool?: (topic: string, payload: Uint8Array) => string | undefined;
  /**
   * Back-pressure: jobs now waiting for `device` and on the whole gateway, with their bounds.
   * Past a bound a job is refused `busy` (retryable) instead of being accepted and left to rot.
   */
  load?: (device: string) => { device: number; total: number; maxDevice: number; maxTotal: number };
  hmacKey: KeyObject;
  clock: () => number;
  logger: Logger;
}

/**
 * The intake of one MQTT message (DESIGN.md §2): validate, check access and privacy, store in the
 * inbox, and only then let the broker have its PUBACK (the caller acks when this returns).
 * Every outcome is answered with a coded reply when a usable `reply_to` is known, and audited.
 * It never throws: a message it cannot handle is rejected, not retried forever.
 */
export function createIntake(d: IntakeDeps) {
  const log = d.logger.child({ component: "intake" });

  function replyTo(raw: string | undefined): string | undefined {
    return raw !== undefined && isAllowedReplyTopic(d.topics, raw) ? raw : undefined;
  }

  function reject(
    err: CodedError,
    ctx: {
      device?: string | undefined;
      jobId?: string | undefined;
      replyTo?: string | undefined;
      transaction?: string | undefined;
      env?: JobEnvelope | undefined;
      direct?: DirectReply | undefined;
    },
  ) {
    const status = err.code === "expired" ? "expired" : "rejected";
    log.info(
      { code: err.code, device: ctx.device, job_id: ctx.jobId, path: err.details["path"] },
      "job rejected",
    );
    try {
      d.audit({
        action: "job.rejected",
        outcome: status === "expired" ? "expired" : "rejected",
        reason:
          err.details["rule"] === undefined
            ? err.code
            : `${err.code}:${String(err.details["rule"])}`,
        ...(ctx.jobId !== undefined && { jobId: ctx.jobId }),
        ...(ctx.device !== undefined && { device: ctx.device }),
        ...actorOf(ctx.env),
      });
    } catch (e) {
      log.error({ err: e }, "audit of a rejection failed");
    }
    if (ctx.device !== undefined)
      d.event(ctx.device, { type: "job.rejected", job_id: ctx.jobId, code: err.code });
    send(ctx.replyTo, ctx.direct, {
      status,
      ...(ctx.jobId !== undefined && { job_id: ctx.jobId }),
      ...(ctx.transaction !== undefined && { transaction: ctx.transaction }),
      error: err.toReply(),
    });
  }

  /** A reply goes to `reply_to` (when usable) and, for a direct submission (HTTP), to its caller. */
  function send(topic: string | undefined, direct: DirectReply | undefined, r: Reply): void {
    if (topic !== undefined) d.reply(topic, r);
    direct?.(r);
  }

  async function handle(topic: string, payload: Uint8Array): Promise<void> {
    const topicDevice = parseDeviceJobTopic(d.topics, topic) ?? d.routePool?.(topic, payload);
    if (topicDevice === undefined) {
      log.debug({ topic }, "message on a topic the intake does not handle");
      return;
    }
    // A pool job's pool is stored with it, so it may still move to a sibling after a restart.
    const pool =
      d.routePool !== undefined && parseDeviceJobTopic(d.topics, topic) === undefined
        ? parsePoolJobTopic(d.topics, topic)
        : undefined;
    await take(topicDevice, payload, undefined, pool);
  }

  /**
   * The same intake for a job that did not come over MQTT (`POST /api/v1/jobs`): `device` stands
   * for the topic's device, and every reply the MQTT path would publish is also handed to `direct`.
   */
  async function submit(device: string, payload: Uint8Array, direct: DirectReply): Promise<void> {
    await take(device, payload, direct);
  }

  async function take(
    topicDevice: string,
    payload: Uint8Array,
    direct: DirectReply | undefined,
    pool?: string,
  ): Promise<void> {
    if (payload.byteLength > d.maxJobBytes) {
      const c = sniffCorrelation(payload);
      reject(
        new CodedError(
          "payload_too_large",
          `payload has ${payload.byteLength} bytes; the limit is ${d.maxJobBytes}`,
          {
            size: payload.byteLength,
            limit: d.maxJobBytes,
          },
        ),
        {
          device: topicDevice,
          jobId: c.job_id,
          replyTo: replyTo(c.reply_to),
          transaction: c.transaction,
          direct,
        },
      );
      return;
    }
    let env: JobEnvelope;
    try {
      env = parseEnvelope(payload);
    } catch (e) {
      const c = sniffCorrelation(payload);
      reject(asCoded(e), {
        device: topicDevice,
        jobId: c.job_id,
        replyTo: replyTo(c.reply_to),
        transaction: c.transaction,
        direct,
      });
      return;
    }
    const ctx = {
      device: topicDevice,
      jobId: env.job_id,
      replyTo: replyTo(env.reply_to),
      transaction: env.transaction,
      env,
      direct,
    };
    try {
      await accept(env, topicDevice, ctx.replyTo, direct, pool);
    } catch (e) {
      reject(asCoded(e), ctx);
    }
  }

  async function accept(
    env: JobEnvelope,
    device: string,
    reply: string | undefined,
    direct: DirectReply | undefined,
    pool: string | undefined,
  ): Promise<void> {
    const now = d.clock();
    if (env.reply_to !== undefined && reply === undefined) {
      throw new CodedError(
        "invalid_envelope",
        `reply_to: must be a topic under ${d.topics.replyPrefix}`,
        { path: "reply_to" },
      );
    }
    if (env.device !== undefined && env.device !== device) {
      throw new CodedError("device_mismatch", "device: differs from the device of the topic", {
        path: "device",
      });
    }
    const kinds = d.deviceKinds(device);
    if (kinds === undefined)
      throw new CodedError("device_unknown", `no device '${device}' on this gateway`, { device });
    if (!kinds.includes(env.kind)) {
      throw new CodedError("unsupported_kind", `device '${device}' does not accept ${env.kind}`, {
        kind: env.kind,
      });
    }
    if (env.payload.copies > d.maxCopies) {
      throw new CodedError("invalid_envelope", `payload.copies: at most ${d.maxCopies}`, {
        path: "payload.copies",
      });
    }
    const contentHash = createHmac("sha256", d.hmacKey).update(canonicalJson(env)).digest("hex");
    const existing = d.inbox.get(env.job_id);
    if (existing) {
      answerRepeat(env, existing.contentHash === contentHash, reply, direct);
      return;
    }
    if (env.expires_at !== undefined && Date.parse(env.expires_at) <= now) {
      throw new CodedError("expired", "expires_at has passed", { path: "expires_at" });
    }
    const load = d.load?.(device);
    if (load !== undefined && (load.device >= load.maxDevice || load.total >= load.maxTotal)) {
      const waiting = load.device >= load.maxDevice ? load.device : load.total;
      // A rough wait: about 10 ms per job ahead, between half a second and half a minute.
      const retryAfterMs = Math.min(30_000, Math.max(500, waiting * 10));
      throw new CodedError(
        "busy",
        load.device >= load.maxDevice
          ? `device '${device}' has ${load.device} jobs waiting (limit ${load.maxDevice})`
          : `the gateway has ${load.total} jobs waiting (limit ${load.maxTotal})`,
        { retry_after_ms: retryAfterMs },
      );
    }
    // Lockdown, operator status, exemption approver (src/access/admission.ts).
    const exemptionValid =
      d.admission?.precheck(env).exemptionValid ?? env.deid_exemption !== undefined;
    if (!exemptionValid) {
      const verdict = d.guard(env.payload.data, now);
      if (!verdict.ok) {
        throw new CodedError(
          "privacy_rejected",
          `${`payload.data.${verdict.path}`}: not de-identified (${verdict.rule})`,
          {
            path: `payload.data.${verdict.path}`,
            rule: verdict.rule,
          },
        );
      }
    }
    // Validates the data against the template now, so a job that cannot print is refused at the
    // door instead of failing later on the device queue.
    // RFID: what goes on the tag is checked at the door too (privacy guard, EPC ranges).
    if (env.payload.rfid !== undefined && d.rfid === undefined)
      throw new CodedError("rfid_not_configured", "this gateway encodes no RFID tags", {
        path: "payload.rfid",
      });
    const tag = d.rfid?.(env) ?? {};
    const rendered =
      env.kind === "rfid.encode"
        ? tag
        : renderTemplate(env.payload.template ?? "", env.payload.data);
    const inserted = await d.commit(() => {
      if (!d.inbox.insert(env, device, contentHash, now, pool)) return false;
      d.audit({
        action: "job.accepted",
        outcome: "ok",
        reason:
          env.deid_exemption === undefined || !exemptionValid
            ? "deidentified"
            : `deid_exemption:${env.deid_exemption.basis}`,
        jobId: env.job_id,
        device,
        ...actorOf(env),
        ...(rendered.waybillNo !== undefined && { waybillNo: rendered.waybillNo }),
      });
      d.admission?.admit(env, device, rendered.waybillNo, now);
      return true;
    });
    if (!inserted) {
      answerRepeat(env, d.inbox.get(env.job_id)?.contentHash === contentHash, reply, direct);
      return;
    }
    send(reply, direct, {
      status: "accepted",
      job_id: env.job_id,
      ...(env.transaction !== undefined && { transaction: env.transaction }),
    });
    d.event(device, { type: "job.accepted", job_id: env.job_id });
    d.enqueue(device, env.job_id);
  }

  function answerRepeat(
    env: JobEnvelope,
    sameContent: boolean,
    reply: string | undefined,
    direct: DirectReply | undefined,
  ) {
    if (!sameContent) {
      throw new CodedError("job_id_conflict", "job_id was used before with different content", {
        path: "job_id",
      });
    }
    const stored = d.inbox.get(env.job_id);
    log.info({ job_id: env.job_id }, "duplicate delivery; not printed again");
    try {
      d.audit({
        action: "job.duplicate",
        outcome: "duplicate",
        jobId: env.job_id,
        ...(stored && { device: stored.device }),
        ...actorOf(env),
      });
    } catch (e) {
      log.error({ err: e }, "audit of a duplicate failed");
    }
    send(reply, direct, {
      status: "duplicate",
      job_id: env.job_id,
      ...(env.transaction !== undefined && { transaction: env.transaction }),
      data: { state: stored?.state, outcome: stored?.outcome },
    });
  }

  return { handle, submit };
}

function actorOf(env: JobEnvelope | undefined): {
  operator?: string;
  client?: string;
  workstation?: string;
  area?: string;
} {
  if (!env) return {};
  return {
    ...(env.operator !== undefined && { operator: env.operator }),
    ...(env.origin?.client !== undefined && { client: env.origin.client }),
    ...(env.origin?.workstation !== undefined && { workstation: env.origin.workstation }),
    ...(env.origin?.area !== undefined && { area: env.origin.area }),
  };
}

function asCoded(e: unknown): CodedError {
  if (isCodedError(e)) return e;
  return new CodedError("internal", "unexpected error while taking the job", {}, e);
}
