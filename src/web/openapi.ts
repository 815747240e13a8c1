/** The OpenAPI 3.1 description of HTTP API v1, served at `/api/v1/openapi.json`. */
type Op = { summary: string; role: string; body?: string };

const PATHS: Record<string, Record<string, Op>> = {
  "/api/v1/login": {
    post: {
      summary: "Log in (operator, password); sets the session cookie",
      role: "none",
      body: "{operator, password}",
    },
  },
  "/api/v1/logout": { post: { summary: "End the session", role: "operator" } },
  "/api/v1/me": { get: { summary: "The logged-in operator", role: "operator" } },
  "/api/v1/devices": {
    get: {
      summary: "Devices with state, conditions, queue length, last job and error",
      role: "operator",
    },
  },
  "/api/v1/devices/{id}/log": {
    get: {
      summary: "Device log: status periods with durations, jobs (?from&to)",
      role: "supervisor",
    },
  },
  "/api/v1/devices/{id}/log.csv": {
    get: { summary: "Device log as CSV (audited as export.performed)", role: "supervisor" },
  },
  "/api/v1/jobs": {
    get: { summary: "Jobs, newest first (?device&state&limit)", role: "operator" },
    post: {
      summary:
        "Submit a job envelope, exactly as on MQTT; the reply is the intake's first reply (?device, ?wait_ms for the final one)",
      role: "operator session, or client scanner/workstation (HTTP Basic)",
      body: "job envelope",
    },
  },
  "/api/v1/jobs/{id}": { get: { summary: "One job", role: "operator" } },
  "/api/v1/jobs/{id}/resolve": {
    post: {
      summary: "Resolve an in-doubt job as printed or not_printed (audited job.resolved)",
      role: "supervisor",
      body: "{resolution}",
    },
  },
  "/api/v1/jobs/{id}/preview.png": {
    get: { summary: "Label preview (simulator PNG)", role: "operator" },
  },
  "/api/v1/events": {
    get: { summary: "Server-sent events: device, job, alert, lockdown", role: "operator" },
  },
  "/api/v1/audit": {
    get: {
      summary: "Audit search (?waybill&operator&device&action&job_id&from&to&limit)",
      role: "supervisor",
    },
  },
  "/api/v1/audit/verify": { get: { summary: "Verify the hash chain now", role: "supervisor" } },
  "/api/v1/audit/export": {
    post: {
      summary:
        "Export the audit records of an approval's scope as the signed extract of `labelgate audit export` (records with waybill numbers, checkpoint, proof); needs a granted audit.export approval of the requester (consumed)",
      role: "supervisor",
      body: "{approval}",
    },
  },
  "/api/v1/approvals": {
    get: { summary: "Approvals (?status)", role: "supervisor" },
    post: { summary: "Request an approval", role: "supervisor", body: "{action, reason, scope?}" },
  },
  "/api/v1/approvals/{id}/grant": {
    post: { summary: "Grant (a supervisor other than the requester)", role: "supervisor" },
  },
  "/api/v1/approvals/{id}/deny": { post: { summary: "Deny", role: "supervisor" } },
  "/api/v1/lockdown": {
    get: { summary: "Lockdown state", role: "operator" },
    post: { summary: "Switch lockdown on or off", role: "supervisor", body: "{active, reason}" },
  },
  "/api/v1/alerts": { get: { summary: "Alerts, newest first", role: "supervisor" } },
  "/api/v1/alerts/{id}/ack": { post: { summary: "Acknowledge an alert", role: "supervisor" } },
  "/api/v1/charts": {
    get: { summary: "Prints per hour per device and uptime over 24 h", role: "supervisor" },
  },
  "/api/v1/operators": {
    get: { summary: "Operators", role: "admin" },
    post: { summary: "Add an operator", role: "admin", body: "{id, role, password}" },
  },
  "/api/v1/operators/{id}/{verb}": {
    post: { summary: "disable / enable an operator", role: "admin" },
  },
  "/api/v1/clients": {
    get: { summary: "Clients", role: "admin" },
    post: { summary: "Add a client", role: "admin", body: "{id, role, password}" },
  },
  "/api/v1/clients/{id}/disable": { post: { summary: "Disable a client", role: "admin" } },
  "/metrics": { get: { summary: "Prometheus metrics (labelgate_*)", role: "none" } },
};

export function openApiDocument() {
  const paths: Record<string, unknown> = {};
  for (const [p, ops] of Object.entries(PATHS)) {
    paths[p] = Object.fromEntries(
      Object.entries(ops).map(([m, op]) => [
        m,
        {
          summary: op.summary,
          "x-role": op.role,
          ...(op.body !== undefined && {
            requestBody: {
              description: op.body,
              content: { "application/json": { schema: { type: "object" } } },
            },
          }),
          responses: {
            "200": { description: '`{"status":"ok","data":…}`' },
            "401": { description: "not logged in (not_authorized)" },
            "403": { description: "role too low (not_authorized) or approval_required" },
          },
        },
      ]),
    );
  }
  return {
    openapi: "3.1.0",
    info: { title: "labelgate HTTP API", version: "1" },
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "lg_session" },
        client: { type: "http", scheme: "basic" },
      },
    },
    paths,
  };
}
