import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCompile, runPreview } from "../../../src/cli/label.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";

const JOB = new URL("../../../examples/jobs/label-print.json", import.meta.url).pathname;
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lg-cli-label-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("labelgate preview / compile", () => {
  it("previews the example job without a device and as a CPCL printer prints it", async () => {
    for (const driver of [undefined, "zebra-cpcl"]) {
      const out = join(dir, `${driver ?? "plain"}.png`);
      expect(await runPreview({ data: JOB, output: out, ...(driver && { driver }) })).toBe(0);
      expect(await decodeCode128(new Uint8Array(await readFile(out)))).toEqual(["SF1234567890123"]);
    }
  });

  it("compiles to a file the bytes the driver sends", async () => {
    const out = join(dir, "label.tspl");
    expect(
      await runCompile({ data: JOB, driver: "tsc-tspl", cjkFont: "TSS24.BF2", output: out }),
    ).toBe(0);
    const text = await readFile(out, "latin1");
    expect(text.startsWith("SIZE 100 mm,150 mm\r\n")).toBe(true);
    expect(text.endsWith("PRINT 1,1\r\n")).toBe(true);
  });

  it("exit 1 for data that does not fit the template, 4 for usage errors", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ bag_no: "x" }));
    expect(
      await runPreview({ template: "bag-tag-100x70", data: bad, output: join(dir, "x.png") }),
    ).toBe(1);
    expect(await runCompile({ data: JOB })).toBe(4);
    expect(await runCompile({ data: JOB, driver: "no-such-driver" })).toBe(4);
    expect(await runPreview({ data: JOB, output: join(dir, "y.png"), dpi: "150" })).toBe(4);
  });
});
