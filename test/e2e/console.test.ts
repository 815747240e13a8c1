/**
 * The supervisor console in a real browser: Debian's Chromium driven by playwright-core against a
 * gateway with its embedded broker, the ZPL simulator and the HTTP server on loopback. Screenshots
 * of the main screens go to test/e2e/artifacts/ (tablet width, 820 × 1180). playwright-core
 * launches Chromium with a fresh temporary profile (its own --user-data-dir) and removes it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleJob } from "../helpers/jobs.ts";
import { startWebTestGateway, type WebTestGateway } from "../helpers/web.ts";

const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const REPLY = "labelgate/demo/reply/e2e-console";
const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";
const WAYBILL = `SF${String(Date.now() % 1e13).padStart(13, "0")}`;

// Generous per-test time: the machine running CI may be busy; nothing here is a timed assertion.
describe("supervisor console in Chromium", { timeout: 90_000 }, () => {
  let g: WebTestGateway;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function loggedIn(operator: string, password: string): Promise<Page> {
    const ctx = await browser.newContext({
      viewport: { width: 820, height: 1180 },
      locale: "zh-CN",
    });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${g.web}/console/login`);
    await page.fill('input[name="operator"]', operator);
    await page.fill('input[name="password"]', password);
    await page.click('#login-form button[type="submit"]');
    await page.waitForURL(/\/console\/devices$/);
    return page;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    g = await startWebTestGateway();
    await g.addOperator("S0001", "supervisor", "sup-pass-1");
    await g.addOperator("S0002", "supervisor", "sup-pass-2");
    await g.addOperator("E10001", "operator", "op-pass-1");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await g?.stop();
  });

  it("logs in as a supervisor and watches a device go ready → media_out → ready", async () => {
    const page = await loggedIn("S0001", "sup-pass-1");
    await shot(page, "01-device-wall-ready");
    const card = '[data-device="zpl-1"]';
    await page.waitForSelector(`${card}[data-status="ready"]`);
    await page.waitForSelector('body[data-live="open"]', { state: "attached" });
    const sim = g.gateway.simulators.get("zpl-1")!;
    sim.faults.set("media_out", true);
    await page.waitForSelector(`${card}[data-status="media_out"]`);
    expect(await page.textContent(`${card} [data-field="conditions"]`)).toContain("media_out");
    await shot(page, "02-device-wall-media-out");
    sim.faults.set("media_out", false);
    await page.waitForSelector(`${card}[data-status="ready"]`);
  });

  it("finds a printed job by waybill number in the audit search and opens its preview", async () => {
    const feed = await loggedIn("S0001", "sup-pass-1");
    await feed.goto(`${g.web}/console/jobs`);
    await feed.waitForSelector('body[data-live="open"]', { state: "attached" });
    const env = exampleJob({ replyTo: REPLY });
    env.payload.data["waybill_no"] = WAYBILL;
    await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
    await g.probe.waitFor(
      (m) => m.topic === REPLY && m.json["job_id"] === env.job_id && m.json["status"] === "ok",
    );
    await feed.waitForSelector(`#job-feed tr[data-job="${env.job_id}"]`);
    await shot(feed, "03-job-feed");

    const page = feed;
    await page.goto(`${g.web}/console/audit`);
    expect(await page.getAttribute("#chain-status", "data-ok")).toBe("true");
    await page.fill('#audit-search input[name="waybill"]', WAYBILL);
    await page.click('#audit-search button[type="submit"]');
    const link = `#audit-results a[data-job="${env.job_id}"]`;
    await page.waitForSelector(link);
    // Only this job's records: the number was looked up through its keyed HMAC.
    const jobs = await page.$$eval("#audit-results a[data-job]", (as) => [
      ...new Set(as.map((a) => a.getAttribute("data-job"))),
    ]);
    expect(jobs).toEqual([env.job_id]);
    await shot(page, "04-audit-search");
    await page.click(link);
    await page.waitForURL(new RegExp(`/console/jobs/${env.job_id}$`));
    // The simulator renders its PNG in a worker after the print: reload until it is there.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page
            .$eval(
              "#label-preview",
              (img) => (img as unknown as { naturalWidth: number }).naturalWidth,
            )
            .catch(() => 0);
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(400);
    await shot(page, "05-label-preview");
  });

  it("refuses an export until a second supervisor approves it", async () => {
    const a = await loggedIn("S0001", "sup-pass-1");
    await a.goto(`${g.web}/console/approvals`);
    await a.fill('#approval-request input[name="reason"]', "监管部门抽查");
    await a.click('#approval-request button[type="submit"]');
    const row = '#approvals tr[data-status="pending"]';
    await a.waitForSelector(row);
    const id = (await a.getAttribute(row, "data-approval"))!;
    await a.fill('#audit-export input[name="approval"]', id);
    await a.click('#audit-export button[type="submit"]');
    await a.waitForSelector('#audit-export .form-error[data-code="approval_required"]');
    await shot(a, "06-export-refused");

    const b = await loggedIn("S0002", "sup-pass-2");
    await b.goto(`${g.web}/console/approvals`);
    await b.click(`#approvals tr[data-approval="${id}"] button.grant`);
    await b.waitForSelector(`#approvals tr[data-approval="${id}"][data-status="granted"]`);
    await shot(b, "07-export-granted");

    await a.reload();
    await a.fill('#audit-export input[name="approval"]', id);
    const download = a.waitForEvent("download");
    await a.click('#audit-export button[type="submit"]');
    expect((await download).suggestedFilename()).toBe("audit-extract.json");
    await a.waitForSelector('#audit-export .form-error[data-code="ok"]');
    expect(
      g.auditRows().filter((r) => r.action === "export.performed" && r.outcome === "ok"),
    ).toHaveLength(1);
  });

  it("switches lockdown on and shows a job refused", async () => {
    const page = await loggedIn("S0001", "sup-pass-1");
    await page.goto(`${g.web}/console/lockdown`);
    await page.fill('#lockdown-form input[name="reason"]', "疑似信息泄露，暂停打印");
    await page.click('#lockdown-form button[type="submit"]');
    await page.waitForSelector('#lockdown-state[data-active="true"]');
    await page.waitForSelector("#lockdown-banner");
    await shot(page, "08-lockdown-on");

    await page.goto(`${g.web}/console/jobs`);
    // The feed is live over server-sent events: publish only once the stream is open.
    await page.waitForSelector('body[data-live="open"]', { state: "attached" });
    const env = exampleJob({ replyTo: REPLY });
    await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
    const reply = await g.probe.waitFor(
      (m) => m.topic === REPLY && m.json["job_id"] === env.job_id,
    );
    expect(reply.json).toMatchObject({ status: "rejected", error: { code: "lockdown" } });
    const row = `#job-feed tr[data-job="${env.job_id}"]`;
    await page.waitForSelector(row);
    await expect.poll(() => page.textContent(row)).toContain("lockdown");
    await shot(page, "09-job-refused-in-lockdown");

    await page.goto(`${g.web}/console/alerts`);
    await page.waitForSelector('#alerts tr[data-alert="lockdown"]');
    await shot(page, "10-alerts");
    await page.goto(`${g.web}/console/lockdown`);
    await page.fill('#lockdown-form input[name="reason"]', "已排查");
    await page.click('#lockdown-form button[type="submit"]');
    await page.waitForSelector('#lockdown-state[data-active="false"]');
  });

  it("shows the device log and charts; an operator cannot open audit search or approvals", async () => {
    const page = await loggedIn("S0001", "sup-pass-1");
    await page.goto(`${g.web}/console/devices/zpl-1`);
    await page.waitForSelector("#status-periods tbody tr");
    expect(await page.textContent("#status-periods")).toContain("media_out");
    await shot(page, "11-device-log");
    await page.goto(`${g.web}/console/charts`);
    // One bar with a height: the print of this run, in the current hour.
    await page.waitForSelector("#chart-prints rect[height]:not([height='0.0'])", {
      state: "attached",
    });
    await page.waitForSelector("#chart-uptime [data-uptime='zpl-1']", { state: "attached" });
    await shot(page, "12-charts");

    const op = await loggedIn("E10001", "op-pass-1");
    expect(await op.$$eval("nav a", (as) => as.map((a) => a.getAttribute("data-nav")))).toEqual([
      "devices",
      "jobs",
    ]);
    for (const path of ["/console/audit", "/console/approvals"]) {
      const res = await op.goto(g.web + path);
      expect(res?.status()).toBe(403);
      await op.waitForSelector("#forbidden");
    }
    await shot(op, "13-operator-forbidden");
    // The same console in English: the language switch is remembered in a cookie.
    await op.goto(`${g.web}/console/devices?lang=en`);
    await op.goto(`${g.web}/console/jobs`);
    expect(await op.getAttribute("html", "lang")).toBe("en");
    expect(await op.textContent('nav a[data-nav="jobs"]')).toBe("Jobs");
    await shot(op, "14-operator-jobs-english");
  });
});
