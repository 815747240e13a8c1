import { CodedError, isCodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Topics } from "../mqtt/topics.ts";

/**
 * Management requests over MQTT (DESIGN.md §3): a JSON object on
 * `{base}/{site}/gateway/{gw}/request/{action}`, answered on `…/response/{action}` with
 * `{"status":"ok"|"error","data","error","transaction"}`, `transaction` echoed. Modules register
 * their actions; `main.ts` subscribes to the request filter and hands messages to `handle`.
 * Who may publish requests at all is the broker's ACL (supervisor clients only).
 */
export type ManagementRequest = Record<string, unknown>;
export type ManagementHandler = (
  req: ManagementRequest,
  now: number,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface ManagementResponse {
  status: "ok" | "error";
  transaction?: string;
  data?: Record<string, unknown>;
  error?: ReturnType<CodedError["toReply"]>;
}

export interface ManagementRouter {
  /** Registers `action` (e.g. `approval.grant`); throws when it is registered already. */
  register(action: string, handler: ManagementHandler): void;
  readonly actions: readonly string[];
  /** True when the topic was a request topic (answered or refused); false otherwise. */
  handle(topic: string, payload: Uint8Array): Promise<boolean>;
}

const ACTION = /^[a-z][a-z0-9_.-]{0,63}$/;

export function createManagementRouter(d: {
  topics: Topics;
  publish: (topic: string, payload: ManagementResponse) => void;
  clock: () => number;
  logger: Logger;
  /**
   * Runs before every handler; throws a CodedError to refuse the request (it is answered with
   * that error). The access layer binds the acting operator here (src/access/management-auth.ts).
   */
  authorize?: (action: string, req: ManagementRequest) => Promise<void>;
}): ManagementRouter {
  const handlers = new Map<string, ManagementHandler>();
  const prefix = d.topics.gatewayRequest("");
  const log = d.logger.child({ component: "management" });
  return {
    register(action, handler) {
      if (!ACTION.test(action) || handlers.has(action))
        throw new Error(`management action '${action}' is invalid or registered twice`);
      handlers.set(action, handler);
    },
    get actions() {
      return [...handlers.keys()].sort();
    },
    async handle(topic, payload) {
      if (!topic.startsWith(prefix)) return false;
      const action = topic.slice(prefix.length);
      if (!ACTION.test(action)) return true; // never answer on a topic built from junk
      let req: ManagementRequest = {};
      let transaction: string | undefined;
      const respond = (r: Omit<ManagementResponse, "transaction">) =>
        d.publish(d.topics.gatewayResponse(action), {
          ...r,
          ...(transaction !== undefined && { transaction }),
        });
      try {
        const doc: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
        if (typeof doc !== "object" || doc === null || Array.isArray(doc))
          throw new CodedError("invalid_request", "request: expected a JSON object", {
            path: "(root)",
          });
        req = doc as ManagementRequest;
        const t = req["transaction"];
        if (typeof t === "string" && t.length <= 128) transaction = t;
      } catch (e) {
        const err = isCodedError(e)
          ? e
          : new CodedError("invalid_request", "request: not valid UTF-8 JSON", { path: "(root)" });
        respond({ status: "error", error: err.toReply() });
        return true;
      }
      const handler = handlers.get(action);
      if (!handler) {
        respond({
          status: "error",
          error: new CodedError("invalid_request", `no management action '${action}'`, {
            path: "action",
          }).toReply(),
        });
        return true;
      }
      try {
        await d.authorize?.(action, req);
        const data = await handler(req, d.clock());
        respond({ status: "ok", data });
      } catch (e) {
        const err = isCodedError(e)
          ? e
          : new CodedError("internal", "unexpected error in a management request", {}, e);
        log.info({ action, code: err.code }, "management request refused");
        respond({ status: "error", error: err.toReply() });
      }
      return true;
    },
  };
}

/** A required string field of a request; `invalid_request` naming the field otherwise. */
export function field(req: ManagementRequest, name: string, max = 200): string {
  const v = req[name];
  if (typeof v !== "string" || v.length === 0 || v.length > max)
    throw new CodedError("invalid_request", `${name}: expected a string of 1–${max} characters`, {
      path: name,
    });
  return v;
}
