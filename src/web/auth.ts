/**
 * Who is asking: operators log in with id + password (scrypt, `OperatorStore.verifyPassword`) and
 * get a session cookie (HttpOnly, SameSite=Strict, a random 256-bit token held server-side with
 * an idle expiry); clients (scanners, workstations) authenticate each request with HTTP Basic
 * against `ClientStore` and may only submit jobs. Every route names the least role it needs.
 */
import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ClientStore } from "../access/clients.ts";
import type { OperatorRole, OperatorStore } from "../access/operators.ts";
import { CodedError } from "../errors.ts";

export type Principal =
  | { kind: "operator"; id: string; role: OperatorRole; token: string }
  | { kind: "client"; id: string; role: string };

const RANK: Record<OperatorRole, number> = { operator: 1, supervisor: 2, admin: 3 };
export const COOKIE = "lg_session";

export interface Sessions {
  create(operator: string, role: OperatorRole): string;
  /** The session's operator, re-checked against the store (a disabled operator is out at once). */
  get(token: string): Principal | undefined;
  end(token: string): void;
}

export function createSessions(
  operators: OperatorStore,
  ttlMs: number,
  clock: () => number,
): Sessions {
  const byToken = new Map<string, { operator: string; expiresAt: number }>();
  return {
    create(operator) {
      const token = randomBytes(32).toString("base64url");
      byToken.set(token, { operator, expiresAt: clock() + ttlMs });
      return token;
    },
    get(token) {
      const s = byToken.get(token);
      if (!s) return undefined;
      const now = clock();
      const op = operators.get(s.operator);
      if (s.expiresAt <= now || !op || op.status !== "active") {
        byToken.delete(token);
        return undefined;
      }
      s.expiresAt = now + ttlMs; // idle expiry
      return { kind: "operator", id: op.id, role: op.role, token };
    },
    end(token) {
      byToken.delete(token);
    },
  };
}

export function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name)
      return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeS: number): string {
  return `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}`;
}

const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal a guard attached to the request (throws when the route has no guard). */
export function principal(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw new CodedError("not_authorized", "no principal on this request");
  return p;
}

export function operatorOf(req: FastifyRequest): { id: string; role: OperatorRole } {
  const p = principal(req);
  if (p.kind !== "operator")
    throw new CodedError("not_authorized", "an operator session is needed");
  return p;
}

export interface Guards {
  /** A preHandler admitting operators with at least `role`. */
  operator(role: OperatorRole): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** A preHandler admitting an operator session (any role) or a client with one of `roles`. */
  operatorOrClient(
    roles: readonly string[],
  ): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The session's principal without enforcing anything (console pages redirect to login). */
  peek(req: FastifyRequest): Principal | undefined;
}

export function createGuards(sessions: Sessions, clients: ClientStore | undefined): Guards {
  const fromSession = (req: FastifyRequest) => {
    const t = cookieValue(req, COOKIE);
    return t === undefined ? undefined : sessions.get(t);
  };
  const deny = (reply: FastifyReply, status: 401 | 403, message: string) =>
    reply.code(status).send({
      status: "error",
      error: new CodedError("not_authorized", message).toReply(),
    });
  return {
    operator(role) {
      return async (req, reply) => {
        const p = fromSession(req);
        if (!p || p.kind !== "operator") return void (await deny(reply, 401, "log in first"));
        if (RANK[p.role] < RANK[role])
          return void (await deny(reply, 403, `this needs the ${role} role`));
        principals.set(req, p);
      };
    },
    operatorOrClient(roles) {
      return async (req, reply) => {
        const p = fromSession(req);
        if (p) return void principals.set(req, p);
        const basic = parseBasic(req.headers.authorization);
        const c =
          basic && clients ? await clients.authenticate(basic.id, basic.password) : undefined;
        if (!c) return void (await deny(reply, 401, "log in or authenticate as a client"));
        if (!roles.includes(c.role))
          return void (await deny(reply, 403, `client role ${c.role} may not do this`));
        principals.set(req, { kind: "client", id: c.id, role: c.role });
      };
    },
    peek: fromSession,
  };
}

function parseBasic(h: string | undefined): { id: string; password: string } | undefined {
  if (h === undefined || !h.startsWith("Basic ")) return undefined;
  const text = Buffer.from(h.slice(6), "base64").toString("utf8");
  const i = text.indexOf(":");
  return i > 0 ? { id: text.slice(0, i), password: text.slice(i + 1) } : undefined;
}

export const hasRole = (p: Principal | undefined, role: OperatorRole): boolean =>
  p?.kind === "operator" && RANK[p.role] >= RANK[role];
