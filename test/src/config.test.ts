import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { demoConfig, loadConfigFile, validateConfig } from "../../src/config/load.ts";

const run = promisify(execFile);
const BIN = new URL("../../bin/labelgate.js", import.meta.url).pathname;

describe("configuration", () => {
  it("has a demo config: site demo, gateway gw1, embedded broker on 127.0.0.1:1883, simulated printers of each language", () => {
    const c = demoConfig();
    expect(c).toMatchObject({
      site: "demo",
      gateway: "gw1",
      data_dir: "./data",
      mqtt: { embedded: { enabled: true, host: "127.0.0.1", port: 1883 } },
    });
    expect(c.devices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: "zpl-1",
          driver: "zebra-zpl",
          simulator: true,
          profile: { dpi: 203, width_mm: 100, height_mm: 150 },
        }),
        expect.objectContaining({ id: "tspl-1", driver: "tsc-tspl", simulator: true }),
        expect.objectContaining({ id: "escpos-1", driver: "escpos", simulator: true }),
        expect.objectContaining({ id: "cpcl-1", driver: "zebra-cpcl", simulator: true }),
      ]),
    );
    expect(c.devices[0]!.profile.cjk_font).toBeUndefined();
  });

  it("accepts an empty file: every key has a default", () => {
    expect(validateConfig({}, "empty").site).toBe("demo");
  });

  it("names the path and the problem of every error, without echoing values", () => {
    const bad = {
      devices: [
        { id: "a", driver: "zebra-zpl", transport: { type: "tcp", port: 9100 } },
        { id: "b", driver: "zebra-zpl", transport: { type: "tcp", port: 9101 } },
        { id: "c", driver: "zebra-zpl", transport: { type: "tcp", port: 70000 } },
      ],
      mqtt: { url: "http://secret-host" },
      sitee: "x",
    };
    let message = "";
    try {
      validateConfig(bad, "site.yaml");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("devices[2].transport.port: expected a number from 1 to 65535");
    expect(message).toContain("mqtt.url: expected an mqtt:// or mqtts:// URL");
    expect(message).toContain("unknown key(s) 'sitee'");
    expect(message).not.toContain("secret-host");
  });

  it("allows port 0 only for hosted simulators", () => {
    expect(() =>
      validateConfig(
        { devices: [{ id: "a", driver: "zebra-zpl", transport: { type: "tcp", port: 0 } }] },
        "x",
      ),
    ).toThrow(/devices\[0\]\.transport\.port/);
    expect(
      validateConfig(
        {
          devices: [
            { id: "a", driver: "zebra-zpl", simulator: true, transport: { type: "tcp", port: 0 } },
          ],
        },
        "x",
      ).devices,
    ).toHaveLength(1);
  });

  it("loads the example configuration", () => {
    const c = loadConfigFile(new URL("../../examples/labelgate.yaml", import.meta.url).pathname);
    expect(c.devices.map((d) => d.id)).toEqual(["zpl-1", "zpl-sim"]);
  });

  it("labelgate config check exits 0 for a valid file and 1 with path: problem for an invalid one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-config-"));
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad.yaml");
    writeFileSync(good, "site: hz01\n");
    writeFileSync(
      bad,
      "devices:\n  - id: a\n    driver: zebra-zpl\n    transport: { type: tcp, port: 99999 }\n",
    );
    await expect(run(process.execPath, [BIN, "config", "check", good])).resolves.toMatchObject({
      stdout: expect.stringContaining("valid"),
    });
    const r = await run(process.execPath, [BIN, "config", "check", bad]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(r).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        "devices[0].transport.port: expected a number from 1 to 65535",
      ),
    });
  });

  it("labelgate start refuses to start on an invalid file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-config-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "mqtt: { embedded: { port: -1 } }\n");
    const r = await run(process.execPath, [BIN, "start", "--config", bad]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining("mqtt.embedded.port") });
  });

  it("labelgate config schema prints a JSON Schema", async () => {
    const { stdout } = await run(process.execPath, [BIN, "config", "schema"]);
    const schema = JSON.parse(stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["site", "gateway", "mqtt", "devices"]),
    );
  });
});
