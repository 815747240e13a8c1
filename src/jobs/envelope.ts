import { z } from "zod";
import { CodedError } from "../errors.ts";
import { formatPath } from "../config/load.ts";
import { rfidBlockSchema } from "../rfid/request.ts";

/**
 * The job envelope of API v1 (DESIGN.md §3). Unknown top-level keys are rejected so a typo
 * (`expire_at`) cannot silently disable a safety feature.
 */
const isoTime = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp" });

export const envelopeSchema = z
  .strictObject({
    v: z.literal(1, { error: "expected 1" }),
    job_id: z.string({ error: "expected a string" }).regex(/^[A-Za-z0-9_-]{8,64}$/, {
      error: "expected 8–64 characters: letters, digits, '_', '-'",
    }),
    kind: z.enum(["label.print", "rfid.encode", "epaper.update"], {
      error: "expected label.print, rfid.encode or epaper.update",
    }),
    device: z.string({ error: "expected a string" }).min(1).max(64).optional(),
    created_at: isoTime.optional(),
    expires_at: isoTime.optional(),
    reply_to: z.string({ error: "expected a string" }).max(256).optional(),
    transaction: z.string({ error: "expected a string" }).max(128).optional(),
    origin: z
      .strictObject({
        client: z.string().min(1).max(64),
        workstation: z.string().max(64).optional(),
        area: z.string().max(128).optional(),
      })
      .optional(),
    operator: z
      .string({ error: "expected a string" })
      .regex(/^[A-Za-z0-9_.-]{1,32}$/, {
        error: "expected an operator id (letters, digits, '_', '.', '-')",
      })
      .optional(),
    payload: z.strictObject({
      /** Required for `label.print`; absent for `rfid.encode` (see the refinement below). */
      template: z
        .string({ error: "expected a string" })
        .regex(/^[a-z0-9-]{1,64}$/, { error: "expected a template name" })
        .optional(),
      copies: z
        .number({ error: "expected a number" })
        .int({ error: "expected a whole number" })
        .min(1)
        .max(1000)
        .default(1),
      data: z.record(z.string(), z.unknown(), { error: "expected an object" }).default(() => ({})),
      /** What goes on the RFID tag: `rfid.encode`, or `label.print` on an RFID printer. */
      rfid: rfidBlockSchema.optional(),
    }),
    reprint: z
      .strictObject({ of: z.string().min(1).max(64), reason: z.string().min(1).max(200) })
      .optional(),
    deid_exemption: z
      .strictObject({
        basis: z.enum(["legal_requirement", "user_request"]),
        ref: z.string().min(1).max(128),
        approver: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/),
      })
      .optional(),
    approval: z.string().max(64).optional(),
  })
  .superRefine((env, ctx) => {
    // label.print needs a template; rfid.encode needs an rfid block and prints nothing.
    if (env.kind === "label.print" && env.payload.template === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["payload", "template"],
        message: "required for label.print",
      });
    if (env.kind === "rfid.encode" && env.payload.rfid === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["payload", "rfid"],
        message: "required for rfid.encode",
      });
    if (env.kind === "rfid.encode" && env.payload.template !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["payload", "template"],
        message: "not allowed for rfid.encode",
      });
  });

export type JobEnvelope = z.infer<typeof envelopeSchema>;

/**
 * Parses and validates raw payload bytes. Errors are `invalid_envelope` with the JSON path and
 * what was expected; the value received is never echoed.
 */
export function parseEnvelope(bytes: Uint8Array): JobEnvelope {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new CodedError("invalid_envelope", "payload is not valid UTF-8 JSON", { path: "(root)" });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new CodedError("invalid_envelope", "payload is not a JSON object", { path: "(root)" });
  }
  const r = envelopeSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue ? formatPath(issue.path) : "(root)";
    const what =
      issue?.code === "unrecognized_keys"
        ? `unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`
        : issue?.code === "invalid_type" && issue.message.startsWith("Invalid input")
          ? `expected ${issue.expected}`
          : (issue?.message ?? "invalid");
    throw new CodedError("invalid_envelope", `${path}: ${what}`, {
      path,
      problems: r.error.issues.length,
    });
  }
  return r.data;
}

/**
 * Best-effort correlation from a payload that could not be parsed (malformed, oversized): looks
 * for `"reply_to"`, `"job_id"` and `"transaction"` string values in the first and the last 8 KiB
 * (key order is the producer's choice), so the producer can still get a coded reply.
 */
export function sniffCorrelation(bytes: Uint8Array): {
  reply_to?: string;
  job_id?: string;
  transaction?: string;
} {
  const decoder = new TextDecoder("utf-8");
  const head =
    bytes.byteLength <= 16384
      ? decoder.decode(bytes)
      : `${decoder.decode(bytes.subarray(0, 8192))}\n${decoder.decode(bytes.subarray(bytes.byteLength - 8192))}`;
  const out: { reply_to?: string; job_id?: string; transaction?: string } = {};
  for (const key of ["reply_to", "job_id", "transaction"] as const) {
    const m = new RegExp(`"${key}"\\s*:\\s*"([^"\\\\]{1,256})"`).exec(head);
    if (m?.[1] !== undefined) out[key] = m[1];
  }
  return out;
}
