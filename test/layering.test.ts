import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** DESIGN.md §1 rules 1–3, enforced by scanning every import of every source file. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...sources(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const specs: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

function resolvesInto(file: string, spec: string, top: string): boolean {
  if (!spec.startsWith(".")) return false;
  const target = relative(ROOT, join(ROOT, file, "..", spec));
  return target === top || target.startsWith(`${top}/`);
}

const DEVICE_IO = /^(serialport|@serialport\/.*|usb|node-hid|node:net|node:dgram|net|dgram)$/;
const MQTT = /^(mqtt|aedes|mqtt-packet)$/;

describe("layering (DESIGN.md §1)", () => {
  it("firmware-protocols imports nothing from drivers or src, and no Node built-in or I/O package", () => {
    const bad = sources("firmware-protocols").flatMap((f) =>
      imports(f)
        .filter(
          (s) =>
            resolvesInto(f, s, "drivers") ||
            resolvesInto(f, s, "src") ||
            s.startsWith("node:") ||
            /^(fs|net|path|crypto|os|child_process|buffer|timers)$/.test(s) ||
            DEVICE_IO.test(s) ||
            MQTT.test(s) ||
            s === "better-sqlite3",
        )
        .map((s) => `${f} → ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it("firmware-protocols uses no clock, randomness, timers, Buffer or console", () => {
    const bad = sources("firmware-protocols").filter((f) =>
      /\b(Date\.now|new Date\(|Math\.random|setTimeout|setInterval|Buffer\.|console\.)/.test(
        readFileSync(join(ROOT, f), "utf8"),
      ),
    );
    expect(bad).toEqual([]);
  });

  it("drivers import nothing from src and no device I/O, MQTT or database package", () => {
    const bad = sources("drivers").flatMap((f) =>
      imports(f)
        .filter(
          (s) =>
            resolvesInto(f, s, "src") ||
            DEVICE_IO.test(s) ||
            MQTT.test(s) ||
            s === "better-sqlite3" ||
            /^node:(fs|net|dgram|child_process|http|https|tls)/.test(s),
        )
        .map((s) => `${f} → ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it("only src/transports opens device I/O; only src/mqtt imports mqtt or aedes", () => {
    // Sockets also serve the broker listener (src/mqtt) and the simulators' loopback hosts
    // (src/simulators, DESIGN.md §6); device packages stay in src/transports (the simulators' PTY
    // host gets its serial port class from there too).
    const SOCKETS = /^(node:net|node:dgram|net|dgram)$/;
    const bad = sources("src").flatMap((f) =>
      imports(f)
        .filter(
          (s) =>
            (DEVICE_IO.test(s) && !SOCKETS.test(s) && !f.startsWith("src/transports/")) ||
            (SOCKETS.test(s) && !/^src\/(transports|simulators|mqtt)\//.test(f)) ||
            (MQTT.test(s) && !f.startsWith("src/mqtt/")),
        )
        .map((s) => `${f} → ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it("the scan sees real imports (guards against a regex that matches nothing)", () => {
    expect(imports("src/main.ts").length).toBeGreaterThan(5);
    expect(resolvesInto("src/main.ts", "../drivers/index.ts", "drivers")).toBe(true);
  });
});
