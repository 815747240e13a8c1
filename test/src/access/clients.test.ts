import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { covers, mayPublish, maySubscribe } from "../../../src/access/broker-policy.ts";
import { createClientStore, mosquittoHash } from "../../../src/access/clients.ts";
import { createOperatorStore } from "../../../src/access/operators.ts";
import { mosquittoAclFile } from "../../../src/access/mosquitto-acl.ts";
import { openDatabase } from "../../../src/db/open.ts";

describe("clients store", () => {
  it("stores scrypt and Mosquitto hashes, authenticates only active clients, never the plain password", async () => {
    const db = openDatabase(":memory:");
    const clients = createClientStore(db);
    await clients.add("ws-12", "workstation", "ws12-secret-pw", 1);
    expect(await clients.authenticate("ws-12", "ws12-secret-pw")).toMatchObject({
      role: "workstation",
    });
    expect(await clients.authenticate("ws-12", "wrong")).toBeUndefined();
    expect(await clients.authenticate("nobody", "ws12-secret-pw")).toBeUndefined();
    clients.setStatus("ws-12", "disabled", 2);
    expect(await clients.authenticate("ws-12", "ws12-secret-pw")).toBeUndefined();
    expect(JSON.stringify(db.prepare("SELECT * FROM clients").all())).not.toContain(
      "ws12-secret-pw",
    );
    await expect(clients.add("a/b", "workstation", "long-enough", 1)).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(clients.add("ws-13", "workstation", "short", 1)).rejects.toMatchObject({
      code: "invalid_request",
    });
  });

  it("clients and operators share the store rules: a taken id, an unknown id, the status change", async () => {
    const db = openDatabase(":memory:");
    const clients = createClientStore(db);
    const operators = createOperatorStore(db);
    await clients.add("ws-12", "workstation", "ws12-secret-pw", 1);
    await operators.add("E1", "operator", 1);
    await expect(clients.add("ws-12", "scanner", "another-pw-1", 2)).rejects.toMatchObject({
      code: "invalid_request",
      message: "client 'ws-12' exists already",
      details: { path: "id" },
    });
    await expect(operators.add("E1", "admin", 2)).rejects.toMatchObject({
      code: "invalid_request",
      message: "operator 'E1' exists already",
    });
    expect(() => clients.setStatus("ws-99", "disabled", 3)).toThrow("no client 'ws-99'");
    expect(() => operators.setStatus("E9", "disabled", 3)).toThrow("no operator 'E9'");
    expect(operators.setStatus("E1", "disabled", 4)).toEqual({
      id: "E1",
      role: "operator",
      status: "disabled",
      createdAt: 1,
      updatedAt: 4,
    });
    expect(clients.list().map((c) => [c.id, c.role, c.status])).toEqual([
      ["ws-12", "workstation", "active"],
    ]);
    expect(operators.get("E1")?.status).toBe("disabled");
    expect(operators.isActive("E1")).toBe(false);
  });

  it("writes the $7$ PBKDF2-SHA512 hash that mosquitto_passwd writes", async () => {
    // Known answer from `mosquitto_passwd -b` (Debian mosquitto 2.0.11).
    expect(mosquittoHash("secret1", Buffer.from("eXaq1DZYYMKVAWBI", "base64"))).toBe(
      "$7$101$eXaq1DZYYMKVAWBI$2Nr89sSVBuIL1K+cYrrVHtHJhiuwjgDJKKYesaS4lPadFMOT2yLebcLCPK8+wjaayd5Bh+rPiqSCRbvNInVpkQ==",
    );
    // And a fresh one from mosquitto_passwd itself has the same shape.
    const dir = mkdtempSync(join(tmpdir(), "labelgate-pw-"));
    try {
      await promisify(execFile)("mosquitto_passwd", ["-c", "-b", join(dir, "pw"), "u", "p"]);
      const theirs = readFileSync(join(dir, "pw"), "utf8").trim().split(":")[1]!;
      const [, , iter, salt] = theirs.split("$");
      expect(mosquittoHash("p", Buffer.from(salt!, "base64"), Number(iter))).toBe(theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("broker policy", () => {
  const site = "labelgate/demo";
  it("covers topics and filters level by level", () => {
    expect(covers("a/+/c", "u", "a/b/c")).toBe(true);
    expect(covers("a/+/c", "u", "a/+/c")).toBe(true);
    expect(covers("a/+/c", "u", "a/#")).toBe(false);
    expect(covers("a/%u/#", "ws-12", "a/ws-12/x/y")).toBe(true);
    expect(covers("a/%u/#", "ws-12", "a/ws-13/x")).toBe(false);
    expect(covers("a/%u/#", "ws-12", "a/+/x")).toBe(false);
    expect(covers("a/b", "u", "a/b/c")).toBe(false);
  });
  it("gives each role what the issue lists, and nothing else", () => {
    expect(mayPublish("workstation", "ws-12", site, `${site}/device/zpl-1/job`)).toBe(true);
    expect(mayPublish("workstation", "ws-12", site, `${site}/gateway/gw1/state`)).toBe(false);
    expect(
      mayPublish("workstation", "ws-12", site, `${site}/gateway/gw1/request/lockdown.set`),
    ).toBe(false);
    expect(
      mayPublish("supervisor", "sup-1", site, `${site}/gateway/gw1/request/lockdown.set`),
    ).toBe(true);
    expect(mayPublish("supervisor", "sup-1", site, `${site}/gateway/gw1/state`)).toBe(false);
    expect(mayPublish("gateway", "gw2", site, `${site}/gateway/gw2/state`)).toBe(true);
    expect(mayPublish("gateway", "gw2", site, "other/site/x")).toBe(false);
    expect(maySubscribe("scanner", "pda-7", site, `${site}/reply/pda-7/#`)).toBe(true);
    expect(maySubscribe("scanner", "pda-7", site, `${site}/reply/+/x`)).toBe(false);
    expect(maySubscribe("workstation", "ws-12", site, `${site}/gateway/gw1/alert`)).toBe(false);
    expect(maySubscribe("workstation", "ws-12", site, `${site}/gateway/gw1/audit/checkpoint`)).toBe(
      false,
    );
    expect(maySubscribe("supervisor", "sup-1", site, `${site}/gateway/+/audit/checkpoint`)).toBe(
      true,
    );
    expect(maySubscribe("workstation", "ws-12", site, "$SYS/#")).toBe(false);
  });
  it("renders the same rules as a Mosquitto acl_file, active clients only", () => {
    const text = mosquittoAclFile(
      [
        { id: "ws-12", role: "workstation", status: "active", createdAt: 0, updatedAt: 0 },
        { id: "ws-9", role: "workstation", status: "disabled", createdAt: 0, updatedAt: 0 },
      ],
      site,
      0,
    );
    expect(text).toContain("user ws-12\ntopic write labelgate/demo/device/+/job\n");
    expect(text).toContain("topic read labelgate/demo/reply/ws-12/#\n");
    expect(text).not.toContain("ws-9");
    expect(text).not.toContain("%u");
  });
});
