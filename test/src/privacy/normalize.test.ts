import { describe, expect, it } from "vitest";
import {
  findNumberRuns,
  groupSpans,
  normalizeText,
  stripChinaPrefix,
  stripNumberSeparators,
} from "../../../src/privacy/normalize.ts";

describe("normalizeText", () => {
  it("maps full-width digits, the full-width asterisk and full-width punctuation to ASCII (NFKC)", () => {
    expect(normalizeText("１３８＊＊＊＊＊＊７８")).toBe("138******78");
    expect(normalizeText("＋８６（０５７１）")).toBe("+86(0571)");
  });

  it("unifies the dash family to '-' and white space to ' '", () => {
    expect(normalizeText("3—2－501")).toBe("3-2-501");
    expect(normalizeText("138\u2013 1234\u2212 5678")).toBe("138- 1234- 5678");
    expect(normalizeText("138\u30001234\u00a05678\t")).toBe("138 1234 5678 ");
  });

  it("drops invisible format characters that could split a number", () => {
    expect(normalizeText("138\u200b1234\u200d5678\ufeff")).toBe("13812345678");
  });

  it("does not turn x, X, × or 某 into masks", () => {
    expect(normalizeText("138xxxx5678×某")).toBe("138xxxx5678×某");
  });
});

describe("stripNumberSeparators / stripChinaPrefix", () => {
  it("removes separators only between digit or mask positions", () => {
    expect(stripNumberSeparators("138-1234-5678")).toBe("13812345678");
    expect(stripNumberSeparators("138 **** 5678")).toBe("138****5678");
    expect(stripNumberSeparators("300-W05-00")).toBe("300-W0500");
  });

  it("drops +86, 0086 and 86 before an 11-position mobile only", () => {
    expect(stripChinaPrefix("+8613812345678")).toBe("13812345678");
    expect(stripChinaPrefix("008613812345678")).toBe("13812345678");
    expect(stripChinaPrefix("86138******78")).toBe("138******78");
    expect(stripChinaPrefix("8657188881234")).toBe("8657188881234");
  });
});

describe("findNumberRuns", () => {
  it("reads digit groups joined by short separator stretches as one run", () => {
    expect(findNumberRuns("call 138 - 1234 - 5678 now", { masks: false })).toEqual([
      { groups: ["138", "1234", "5678"], plus: false },
    ]);
    expect(findNumberRuns("+86 138", { masks: false })).toEqual([
      { groups: ["86", "138"], plus: true },
    ]);
  });

  it("ends a run at letters, Han characters and long separator stretches", () => {
    expect(findNumberRuns("300-W05-00", { masks: false }).map((r) => r.groups)).toEqual([
      ["300"],
      ["05", "00"],
    ]);
    expect(findNumberRuns("12    34", { masks: false }).map((r) => r.groups)).toEqual([
      ["12"],
      ["34"],
    ]);
  });

  it("treats * as a position only with masks", () => {
    expect(findNumberRuns("138****5678", { masks: true }).map((r) => r.groups)).toEqual([
      ["138****5678"],
    ]);
    expect(findNumberRuns("138****5678", { masks: false }).map((r) => r.groups)).toEqual([
      ["138"],
      ["5678"],
    ]);
  });

  it("keeps a final check character X after a digit", () => {
    expect(findNumberRuns("11010519491231002x号", { masks: false }).map((r) => r.groups)).toEqual([
      ["11010519491231002X"],
    ]);
    expect(findNumberRuns("1234XL", { masks: false }).map((r) => r.groups)).toEqual([["1234"]]);
  });

  it("yields spans of whole consecutive groups only", () => {
    const spans = [...groupSpans({ groups: ["5", "138", "1234"], plus: false }, 8)].map(
      (s) => s.text,
    );
    expect(spans).toEqual(["5", "5138", "51381234", "138", "1381234", "1234"]);
  });
});
