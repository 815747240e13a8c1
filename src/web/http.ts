/** Shared helpers of the HTTP routes: coded errors to HTTP statuses, auditing a change. */
import type { FastifyReply, FastifyRequest } from "fastify";
import { CodedError, isCodedError, type ErrorCode } from "../errors.ts";
import type { AuditEvent } from "../jobs/ports.ts";
import { principal } from "./auth.ts";
import type { WebDeps } from "./types.ts";

const STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_request: 400,
  invalid_envelope: 400,
  not_authorized: 403,
  approval_required: 403,
  lockdown: 423,
  device_unknown: 404,
  audit_unavailable: 503,
};

export function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const err = isCodedError(e)
    ? e
    : new CodedError("internal", "unexpected error while handling the request", {}, e);
  return reply.code(STATUS[err.code] ?? 500).send({ status: "error", error: err.toReply() });
}

/** Runs `fn` and answers `{status: "ok", data}` or the coded error. */
export async function handle(reply: FastifyReply, fn: () => unknown): Promise<FastifyReply> {
  try {
    const data = await fn();
    return reply.send({ status: "ok", data });
  } catch (e) {
    return sendError(reply, e);
  }
}

/** Appends an audit record of a change made through the console / API, by the request's principal. */
export function auditBy(
  d: WebDeps,
  req: FastifyRequest,
  e: Omit<AuditEvent, "operator" | "client" | "workstation">,
): void {
  const p = principal(req);
  d.audit.append({
    ...e,
    ...(p.kind === "operator" ? { operator: p.id } : { client: p.id }),
    workstation: "console",
  });
}

/** A string field of a JSON / query object, or undefined. */
export function str(o: unknown, k: string): string | undefined {
  if (typeof o !== "object" || o === null) return undefined;
  const v = (o as Record<string, unknown>)[k];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function requireStr(o: unknown, k: string, max = 200): string {
  const v = str(o, k);
  if (v === undefined || v.length > max)
    throw new CodedError("invalid_request", `${k}: expected 1–${max} characters`, { path: k });
  return v;
}
