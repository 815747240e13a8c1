/**
 * HTTP API v1, part 3: the approvals inbox (Art. 15 two-person rule; request / grant / deny by
 * supervisors) and account administration (operators, clients; admin only). Every change is
 * audited with the acting operator.
 */
import type { FastifyInstance } from "fastify";
import { APPROVAL_ACTIONS, type ApprovalAction } from "../access/approvals.ts";
import type { OperatorRole } from "../access/operators.ts";
import { CodedError } from "../errors.ts";
import { operatorOf, type Guards } from "./auth.ts";
import { auditBy, handle, requireStr, str } from "./http.ts";
import type { WebDeps } from "./types.ts";

const ROLES: readonly OperatorRole[] = ["operator", "supervisor", "admin"];

export function registerAccessApi(app: FastifyInstance, d: WebDeps, g: Guards) {
  const sup = { preHandler: g.operator("supervisor") };
  const admin = { preHandler: g.operator("admin") };
  const announce = (type: string, id: string) =>
    d.bus.emit({ type, ts: new Date(d.clock()).toISOString(), approval: id });

  app.get("/api/v1/approvals", sup, async (req, reply) =>
    handle(reply, () => {
      const status = str(req.query, "status");
      return d.approvals.list(d.clock(), status as Parameters<WebDeps["approvals"]["list"]>[1]);
    }),
  );

  app.post("/api/v1/approvals", sup, async (req, reply) =>
    handle(reply, () => {
      const action = requireStr(req.body, "action", 64);
      if (!(APPROVAL_ACTIONS as readonly string[]).includes(action))
        throw new CodedError("invalid_request", `action: one of ${APPROVAL_ACTIONS.join(", ")}`, {
          path: "action",
        });
      const scopeIn = (req.body as { scope?: unknown }).scope;
      const scope =
        typeof scopeIn === "object" && scopeIn !== null && !Array.isArray(scopeIn)
          ? (scopeIn as Record<string, unknown>)
          : {};
      const a = d.approvals.request(
        {
          action: action as ApprovalAction,
          scope,
          reason: requireStr(req.body, "reason"),
          requester: operatorOf(req).id,
          ttlMs: d.approvalTtlMs,
        },
        d.clock(),
      );
      auditBy(d, req, { action: "approval.requested", outcome: "ok", reason: a.action });
      announce("approval.requested", a.id);
      return a;
    }),
  );

  for (const verb of ["grant", "deny"] as const) {
    app.post<{ Params: { id: string } }>(`/api/v1/approvals/:id/${verb}`, sup, async (req, reply) =>
      handle(reply, () => {
        const me = operatorOf(req).id;
        try {
          const a =
            verb === "grant"
              ? d.approvals.grant(req.params.id, me, d.clock())
              : d.approvals.deny(req.params.id, me, d.clock());
          auditBy(d, req, {
            action: verb === "grant" ? "approval.granted" : "approval.denied",
            outcome: "ok",
            reason: a.action,
          });
          announce(`approval.${verb === "grant" ? "granted" : "denied"}`, a.id);
          return a;
        } catch (e) {
          auditBy(d, req, { action: "approval.refused", outcome: "rejected", reason: verb });
          throw e;
        }
      }),
    );
  }

  app.get("/api/v1/operators", admin, async (_req, reply) =>
    handle(reply, () => d.operators.list()),
  );

  app.post("/api/v1/operators", admin, async (req, reply) =>
    handle(reply, async () => {
      const role = requireStr(req.body, "role", 16);
      if (!(ROLES as readonly string[]).includes(role))
        throw new CodedError("invalid_request", "role: operator, supervisor or admin", {
          path: "role",
        });
      const id = requireStr(req.body, "id", 32);
      const op = await d.operators.add(
        id,
        role as OperatorRole,
        d.clock(),
        requireStr(req.body, "password", 200),
      );
      auditBy(d, req, { action: "operator.added", outcome: "ok", reason: role });
      return op;
    }),
  );

  app.post<{ Params: { id: string; verb: string } }>(
    "/api/v1/operators/:id/:verb",
    admin,
    async (req, reply) =>
      handle(reply, () => {
        const verb = req.params.verb;
        if (verb !== "disable" && verb !== "enable")
          throw new CodedError("invalid_request", "expected disable or enable", { path: "verb" });
        const op = d.operators.setStatus(
          req.params.id,
          verb === "disable" ? "disabled" : "active",
          d.clock(),
        );
        auditBy(d, req, {
          action: verb === "disable" ? "operator.disabled" : "operator.enabled",
          outcome: "ok",
        });
        return op;
      }),
  );

  app.get("/api/v1/clients", admin, async (_req, reply) =>
    handle(reply, () => {
      if (!d.clients) throw new CodedError("invalid_request", "client accounts are not available");
      return d.clients.list();
    }),
  );

  app.post("/api/v1/clients", admin, async (req, reply) =>
    handle(reply, async () => {
      if (!d.clients) throw new CodedError("invalid_request", "client accounts are not available");
      const role = requireStr(req.body, "role", 16);
      const id = requireStr(req.body, "id", 23);
      const r = role as Parameters<NonNullable<WebDeps["clients"]>["add"]>[1];
      // `cert_only: true`: no password; the client connects only with a TLS client certificate.
      const certOnly = (req.body as Record<string, unknown> | undefined)?.["cert_only"] === true;
      if (certOnly && (req.body as Record<string, unknown>)["password"] !== undefined)
        throw new CodedError("invalid_request", "password: not with cert_only", {
          path: "password",
        });
      const c = certOnly
        ? d.clients.addCertificateOnly(id, r, d.clock())
        : await d.clients.add(id, r, requireStr(req.body, "password", 200), d.clock());
      auditBy(d, req, {
        action: "client.added",
        outcome: "ok",
        reason: certOnly ? `${c.role}:certificate` : c.role,
      });
      return c;
    }),
  );

  app.post<{ Params: { id: string } }>("/api/v1/clients/:id/disable", admin, async (req, reply) =>
    handle(reply, () => {
      if (!d.clients) throw new CodedError("invalid_request", "client accounts are not available");
      const c = d.clients.setStatus(req.params.id, "disabled", d.clock());
      auditBy(d, req, { action: "client.disabled", outcome: "ok" });
      return c;
    }),
  );
}
