import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, startWebTestGateway, type WebTestGateway } from "../../helpers/web.ts";

/**
 * `POST /api/v1/clients` with `cert_only: true` (issue #8): the admin adds a client that has no
 * password; HTTP Basic authentication as that client fails whatever password it sends, while a
 * password client next to it gets through (positive control). Synthetic ids only.
 */
describe("certificate-only clients over the HTTP API", () => {
  let g: WebTestGateway;
  let admin: Session;
  beforeAll(async () => {
    g = await startWebTestGateway();
    await g.addOperator("A0009", "admin", "admin-pass-9");
    await g.addClient("pda-40", "scanner", "scanner-pass-40");
    admin = new Session(g.web);
    expect((await admin.login("A0009", "admin-pass-9")).status).toBe(200);
  });
  afterAll(async () => {
    await g?.stop();
  });

  it("adds one without a password, refuses cert_only with a password, and no password logs it in", async () => {
    const add = await admin.post("/api/v1/clients", {
      id: "pda-41",
      role: "scanner",
      cert_only: true,
    });
    expect(add.status).toBe(200);
    expect(await add.json()).toMatchObject({
      data: { id: "pda-41", role: "scanner", status: "active", auth: "certificate" },
    });
    const both = await admin.post("/api/v1/clients", {
      id: "pda-42",
      role: "scanner",
      cert_only: true,
      password: "some-pass-42",
    });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ error: { code: "invalid_request" } });
    const list = (await (await admin.get("/api/v1/clients")).json()) as {
      data: Array<{ id: string; auth: string }>;
    };
    expect(list.data.map((c) => [c.id, c.auth])).toEqual([
      ["pda-40", "password"],
      ["pda-41", "certificate"],
    ]);
    const basic = (id: string, pw: string) =>
      fetch(`${g.web}/api/v1/jobs`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${Buffer.from(`${id}:${pw}`).toString("base64")}`,
        },
        body: "{}",
      });
    for (const pw of ["", "null", "scanner-pass-40"])
      expect((await basic("pda-41", pw)).status).toBe(401);
    // Positive control: the password client is let in (and its empty job refused as invalid).
    expect((await basic("pda-40", "scanner-pass-40")).status).not.toBe(401);
    expect(g.auditRows().map((r) => `${r.action}:${r.reason ?? ""}`)).toContain(
      "client.added:scanner:certificate",
    );
  });
});
