/**
 * The HTTP server of the console and API (fastify 5): `/api/v1/*`, `/console/*`, `/metrics`
 * (Prometheus text format) and `/api/v1/openapi.json`. Security headers on every answer; no
 * request or response bodies in the logs.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { registerAccessApi } from "./api-access.ts";
import { registerAuditApi } from "./api-audit.ts";
import { registerCoreApi } from "./api-core.ts";
import { createGuards, createSessions } from "./auth.ts";
import { registerConsole } from "./console.ts";
import { sendError } from "./http.ts";
import { openApiDocument } from "./openapi.ts";
import type { WebDeps } from "./types.ts";

export interface WebServer {
  /** `http://host:port` once started (the real port when configured 0). */
  readonly url: string;
  readonly app: FastifyInstance;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createWebServer(d: WebDeps): WebServer {
  const app = Fastify({ logger: false, trustProxy: false });
  const sessions = createSessions(d.operators, d.http.session_ttl_s * 1000, d.clock);
  const guards = createGuards(sessions, d.clients);
  let url = "";

  app.addHook("onSend", async (req, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "no-referrer");
    reply.header(
      "content-security-policy",
      "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    );
    const route = req.routeOptions.url ?? "unmatched";
    d.metrics.inc("labelgate_http_requests_total", { route, status: String(reply.statusCode) });
  });
  app.setErrorHandler((err, _req, reply) => {
    if ((err as { statusCode?: number }).statusCode === 413)
      return reply.code(413).send({
        status: "error",
        error: { code: "payload_too_large", message: "request body too large", retryable: false },
      });
    if ((err as { statusCode?: number }).statusCode === 400)
      return reply.code(400).send({
        status: "error",
        error: { code: "invalid_request", message: "malformed request body", retryable: false },
      });
    d.logger.error({ err }, "HTTP handler failed");
    return sendError(reply, err);
  });

  registerCoreApi(app, d, guards, sessions);
  registerAuditApi(app, d, guards);
  registerAccessApi(app, d, guards);
  registerConsole(app, d, guards);

  app.get("/metrics", async (_req, reply) =>
    reply.type("text/plain; version=0.0.4; charset=utf-8").send(d.metrics.render()),
  );
  app.get("/api/v1/openapi.json", async (_req, reply) => reply.send(openApiDocument()));

  return {
    get url() {
      return url;
    },
    app,
    async start() {
      await app.listen({ host: d.http.host, port: d.http.port });
      const addr = app.server.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : d.http.port;
      const host = d.http.host.includes(":") ? `[${d.http.host}]` : d.http.host;
      url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
    },
    async close() {
      await app.close();
    },
  };
}
