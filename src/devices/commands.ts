import { z } from "zod";
import { CodedError, isCodedError } from "../errors.ts";
import type { Inbox } from "../jobs/inbox.ts";
import type { AuditAppend, DeviceEventSend, ReplySend } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import { isAllowedReplyTopic, parseDeviceCmdTopic, type Topics } from "../mqtt/topics.ts";
import { compareIdentity } from "./identity.ts";
import type { DeviceManager } from "./manager.ts";
import { runTestPrint } from "./test-print.ts";

/** The device commands (issue #4 §5), on `{base}/{site}/device/{dev}/cmd/{name}`. */
export const DEVICE_COMMANDS = [
  "status",
  "pause",
  "resume",
  "cancel",
  "identify",
  "test_print",
] as const;
export type DeviceCommand = (typeof DEVICE_COMMANDS)[number];

const requestSchema = z.strictObject({
  request_id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .optional(),
  reply_to: z.string().max(256).optional(),
  operator: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
});

const correlationSchema = z.looseObject({
  request_id: requestSchema.shape.request_id.catch(undefined),
  reply_to: z.string().max(256).optional().catch(undefined),
});

export interface DeviceCommandsOptions {
  topics: Topics;
  manager: DeviceManager;
  inbox: Inbox;
  audit: AuditAppend;
  reply: ReplySend;
  event: DeviceEventSend;
  publish: (topic: string, payload: unknown) => void;
  clock: () => number;
  logger: Logger;
  /** Registered identity per device (for `identify`). */
  expectedIdentity: (device: string) => Record<string, string | undefined> | undefined;
}

/**
 * Request / response device commands. A request is JSON `{request_id?, reply_to?, operator?}`
 * (an empty payload is `{}`); the response `{request_id, device, command, status, data | error}`
 * goes to `reply_to` when it is under the site's reply prefix, else to
 * `device/{dev}/response/{name}`. Every command is audited (`device.command`).
 *
 * - `status`: polls the device now and answers its state document.
 * - `pause` / `resume`: an operator hold; queued jobs wait (`held`) as for a fault, then resume
 *   in order.
 * - `cancel`: every job not yet dispatched is failed with `cancelled` (its producer is told);
 *   a job whose bytes already left is not touched.
 * - `identify`: reads the device's identity now and compares it with the registered one.
 * - `test_print`: prints a synthetic test label (src/devices/test-print.ts); no waybill data.
 */
export function createDeviceCommands(o: DeviceCommandsOptions) {
  const log = o.logger.child({ component: "device-commands" });

  async function run(
    device: string,
    name: DeviceCommand,
    operator: string | undefined,
  ): Promise<Record<string, unknown>> {
    const rt = o.manager.devices.get(device)!;
    switch (name) {
      case "status":
        await rt.queryStatus();
        return { state: o.manager.stateDocument(device) };
      case "pause":
      case "resume":
        rt.setHold(name === "pause");
        o.manager.republish(device);
        // A paused member's held pool jobs move to a healthy sibling; a resumed one takes them.
        o.manager.pools.rebalance(device);
        o.event(device, { type: `device.${name}d` });
        return { hold: rt.onHold };
      case "cancel": {
        const taken = o.manager.queues.get(device)?.takeUndispatched(() => true) ?? [];
        for (const jobId of taken) cancelJob(device, jobId);
        o.manager.republish(device);
        return { cancelled: taken };
      }
      case "identify": {
        const reported = await rt.identify();
        const expected = o.expectedIdentity(device) ?? {};
        return {
          reported: reported ?? null,
          expected,
          mismatch: compareIdentity(expected, reported) ?? null,
        };
      }
      case "test_print":
        return runTestPrint({
          rt,
          queueLength: o.manager.queues.get(device)?.length ?? 0,
          gateway: o.manager.gateway,
          operator,
          audit: o.audit,
          clock: o.clock,
          confirmTimeoutMs: o.manager.deviceConfig(device)?.confirm_timeout_ms ?? 5000,
        });
    }
  }

  function cancelJob(device: string, jobId: string) {
    const job = o.inbox.get(jobId);
    if (!job) return;
    const err = new CodedError("cancelled", "cancelled by a device command before it was sent");
    o.audit({ action: "print.failed", outcome: "rejected", reason: "cancelled", jobId, device });
    o.inbox.setState(jobId, "failed", o.clock(), {
      status: "error",
      error: { code: err.code, message: err.message, retryable: err.retryable },
    });
    o.event(device, { type: "job.failed", job_id: jobId, code: err.code });
    if (job.replyTo !== undefined)
      o.reply(job.replyTo, { status: "error", job_id: jobId, error: err.toReply() });
  }

  /** Handles a command message; false when the topic is not a device command topic. */
  async function handle(topic: string, payload: Uint8Array): Promise<boolean> {
    const parsed = parseDeviceCmdTopic(o.topics, topic);
    if (!parsed) return false;
    const { device, name } = parsed;
    let req: z.infer<typeof requestSchema> = {};
    let respondTo = o.topics.deviceCmdResponse(device, name);
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(payload).trim();
      const raw: unknown = text === "" ? {} : JSON.parse(text);
      const r = requestSchema.safeParse(raw);
      if (!r.success) {
        // Correlation survives a bad request, so the requester hears why (as for job replies).
        const loose = correlationSchema.safeParse(raw);
        if (loose.success) {
          if (loose.data.request_id !== undefined) req = { request_id: loose.data.request_id };
          const to = loose.data.reply_to;
          if (to !== undefined && isAllowedReplyTopic(o.topics, to)) respondTo = to;
        }
      }
      if (!r.success)
        throw new CodedError("invalid_request", "the command request breaks the schema", {
          path: r.error.issues[0]?.path.join(".") ?? "",
        });
      req = r.data;
      if (req.reply_to !== undefined) {
        if (!isAllowedReplyTopic(o.topics, req.reply_to))
          throw new CodedError("invalid_request", "reply_to: not under the reply prefix", {
            path: "reply_to",
          });
        respondTo = req.reply_to;
      }
      if (!o.manager.devices.has(device))
        throw new CodedError("device_unknown", `no device '${device}' on this gateway`);
      if (!(DEVICE_COMMANDS as readonly string[]).includes(name))
        throw new CodedError("invalid_request", `unknown command '${name}'`, { path: "name" });
      const data = await run(device, name as DeviceCommand, req.operator);
      o.audit({
        action: "device.command",
        outcome: "ok",
        device,
        reason: name,
        ...(req.operator !== undefined && { operator: req.operator }),
      });
      o.publish(respondTo, {
        request_id: req.request_id,
        device,
        command: name,
        status: "ok",
        data,
      });
    } catch (e) {
      const err = isCodedError(e)
        ? e
        : e instanceof SyntaxError || e instanceof TypeError
          ? new CodedError("invalid_request", "the command request is not valid JSON")
          : new CodedError("internal", "the command failed");
      if (err.code === "internal") log.error({ err: e, device, name }, "device command failed");
      if (o.manager.devices.has(device)) {
        try {
          o.audit({
            action: "device.command",
            outcome: "rejected",
            device,
            reason: err.code,
            ...(req.operator !== undefined && { operator: req.operator }),
          });
        } catch (e2) {
          log.error({ err: e2 }, "audit of a device command failed");
        }
      }
      o.publish(respondTo, {
        request_id: req.request_id,
        device,
        command: name,
        status: "error",
        error: err.toReply(),
      });
    }
    return true;
  }

  return { handle };
}
