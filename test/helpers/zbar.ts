/**
 * Decodes the Code 128 barcodes in a PNG with zbarimg (Debian `zbar-tools`, installed by
 * test/setup.sh): an independent reader, not our renderer's own idea of what it drew.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function decodeCode128(png: Uint8Array): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "lg-zbar-"));
  const file = join(dir, "label.png");
  try {
    await writeFile(file, png);
    const out = await new Promise<string>((resolve) => {
      execFile("zbarimg", ["--raw", "-q", "-Sdisable", "-Scode128.enable", file], (_err, stdout) =>
        resolve(stdout),
      );
    });
    return out.split("\n").filter((l) => l !== "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
