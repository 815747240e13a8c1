import { describe, expect, it } from "vitest";
import { DRIVERS, findDriver, getDriver } from "../../drivers/index.ts";
import type { JobKind } from "../../drivers/types.ts";

const JOB_KINDS: readonly JobKind[] = ["label.print", "rfid.encode", "epaper.update"];

describe("driver registry", () => {
  it("registers zebra-zpl", () => {
    expect(Object.keys(DRIVERS)).toContain("zebra-zpl");
    expect(getDriver("zebra-zpl").id).toBe("zebra-zpl");
    expect(findDriver("zebra-zpl")).toBe(DRIVERS["zebra-zpl"]);
  });

  it("unknown ids: findDriver → undefined, getDriver throws", () => {
    expect(findDriver("nope")).toBeUndefined();
    expect(findDriver("toString")).toBeUndefined();
    expect(() => getDriver("nope")).toThrow(RangeError);
  });

  it.each(Object.entries(DRIVERS))("%s is a consistent definition", (key, d) => {
    expect(d.id).toBe(key);
    expect(d.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(d.models.length).toBeGreaterThan(0);
    expect(d.transports.length).toBeGreaterThan(0);
    expect(d.jobKinds.length).toBeGreaterThan(0);
    for (const k of d.jobKinds) expect(JOB_KINDS).toContain(k);
    expect(d.status.request.length).toBeGreaterThan(0);
    if (d.jobKinds.includes("label.print")) expect(d.capabilities.thermalPrinter).toBeDefined();
  });
});
