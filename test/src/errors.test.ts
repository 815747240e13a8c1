import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CodedError, ERROR_CODES } from "../../src/errors.ts";

describe("error code registry", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

  it.each(Object.keys(ERROR_CODES))(
    "documents %s in the README's error table with its retryability",
    (code) => {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, `README has no row for ${code}`).toBeDefined();
      const retryable = ERROR_CODES[code as keyof typeof ERROR_CODES].retryable;
      expect(row).toContain(retryable ? "| yes |" : "| no |");
    },
  );

  it("renders replies with code, message and retryable, plus structured details", () => {
    const e = new CodedError(
      "privacy_rejected",
      "payload.data.recipient.phone: not de-identified",
      { path: "payload.data.recipient.phone" },
    );
    expect(e.toReply()).toEqual({
      code: "privacy_rejected",
      message: e.message,
      retryable: false,
      path: "payload.data.recipient.phone",
    });
  });
});
