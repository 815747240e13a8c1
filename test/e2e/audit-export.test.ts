import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { verifyExtract, type Extract } from "../../src/audit/export.ts";
import { loadOrCreateSigningKey } from "../../src/crypto/keys.ts";

const run = promisify(execFile);
const BIN = new URL("../../bin/labelgate.js", import.meta.url).pathname;

/**
 * The Art. 15 export flow as supervisors run it, with the real CLI: a request by an operator, a
 * self-grant refused, an export refused while the approval is pending, the grant by a second
 * supervisor, the export, and every step in the audit log.
 */
describe("labelgate audit export (CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "labelgate-e2e-export-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, [BIN, ...args, "--data-dir", dir]);
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };

  it("refuses without a grant by a second supervisor, then exports an extract that verifies; all audited", async () => {
    expect((await cli("operators", "add", "E10293", "--role", "operator")).code).toBe(0);
    expect((await cli("operators", "add", "S0007", "--role", "supervisor")).code).toBe(0);
    const req = await cli(
      "approvals",
      "request",
      "--operator",
      "E10293",
      "--action",
      "audit.export",
      "--reason",
      "regulator request",
      "--scope",
      '{"action":"approval.requested"}',
    );
    const id = (JSON.parse(req.stdout) as { id: string }).id;
    const out = join(dir, "extract.json");
    expect((await cli("approvals", "grant", id, "--operator", "E10293")).code).toBe(1);
    const pending = await cli(
      "audit",
      "export",
      "--approval",
      id,
      "--operator",
      "E10293",
      "--out",
      out,
    );
    expect(pending.code).toBe(1);
    expect(pending.stderr).toMatch(/approval_required.*not_granted/);
    expect((await cli("approvals", "grant", id, "--operator", "S0007")).code).toBe(0);
    const ok = await cli("audit", "export", "--approval", id, "--operator", "E10293", "--out", out);
    expect(ok.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const x = JSON.parse(readFileSync(out, "utf8")) as Extract;
    expect(x.records.map((r) => r.action)).toEqual(["approval.requested"]);
    expect(verifyExtract(x, loadOrCreateSigningKey(dir).publicRaw)).toMatchObject({ ok: true });
    const again = await cli(
      "audit",
      "export",
      "--approval",
      id,
      "--operator",
      "E10293",
      "--out",
      out,
    );
    expect(again.stderr).toMatch(/used/);

    const s = await cli("audit", "search", "--action", "export.performed", "--json");
    const rows = s.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { outcome: string; reason: string });
    expect(rows.map((r) => [r.outcome, r.reason])).toEqual([
      ["rejected", "approval_required:used"],
      ["ok", `approval:${id}`],
      ["rejected", "approval_required:not_granted"],
    ]);
    const v = await cli("audit", "verify");
    expect(v.code).toBe(0);
  }, 120_000);
});
