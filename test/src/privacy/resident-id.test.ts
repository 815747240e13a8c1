import { describe, expect, it } from "vitest";
import {
  isResidentIdNumber,
  residentIdCheckChar,
  scanResidentIds,
} from "../../../src/privacy/resident-id.ts";

// Public test vectors from reference/audit-and-privacy.md §B.3, and synthetic numbers whose check
// character was computed with the MOD 11-2 weights; none belongs to a real person.
const VALID = "360426199101010071";
const BAD_CHECK = "360426199101010072";

describe("isResidentIdNumber", () => {
  it("accepts the public valid vectors", () => {
    expect(isResidentIdNumber(VALID)).toBe(true);
    expect(isResidentIdNumber("120103198806018241")).toBe(true);
  });

  it("rejects a bad check character", () => {
    expect(isResidentIdNumber(BAD_CHECK)).toBe(false);
  });

  it("computes the MOD 11-2 check character, including X", () => {
    expect(residentIdCheckChar("36042619910101007")).toBe("1");
    expect(residentIdCheckChar("11010519491231002")).toBe("X");
    expect(residentIdCheckChar("1101051949123100")).toBeNull();
    expect(isResidentIdNumber("11010519491231002X")).toBe(true);
    expect(isResidentIdNumber("11010519491231002x")).toBe(true);
  });

  it("accepts full-width and separated forms", () => {
    expect(isResidentIdNumber("３６０４２６１９９１０１０１００７１")).toBe(true);
    expect(isResidentIdNumber("360426 19910101 0071")).toBe(true);
    expect(isResidentIdNumber("360426-19910101-0071")).toBe(true);
  });

  it("requires a real date, a known region and 18 characters", () => {
    expect(isResidentIdNumber("440304200002291236")).toBe(true); // 2000-02-29 exists
    expect(isResidentIdNumber("440304199902291236")).toBe(false); // 1999-02-29 does not
    expect(isResidentIdNumber("000304199001011231")).toBe(false); // region 00
    expect(isResidentIdNumber("360426189101010072")).toBe(false); // 1891 is out of range
    expect(isResidentIdNumber("36042619910101007")).toBe(false);
  });
});

describe("scanResidentIds", () => {
  it("finds an ID with digit boundaries, anywhere in text", () => {
    expect(scanResidentIds(`证件号${VALID}。`)).toEqual({ ok: false, rule: "resident_id.present" });
    expect(scanResidentIds(`ID:${VALID}`)).toEqual({ ok: false, rule: "resident_id.present" });
    expect(scanResidentIds("3604 2619 9101 0100 71")).toEqual({
      ok: false,
      rule: "resident_id.present",
    });
  });

  it("does not read 18 digits inside a longer digit string as an ID", () => {
    expect(scanResidentIds(`9${VALID}`)).toEqual({ ok: true });
    expect(scanResidentIds(`${VALID}5`)).toEqual({ ok: true });
  });

  it("does not flag a bad checksum", () => {
    expect(scanResidentIds(`证件号${BAD_CHECK}`)).toEqual({ ok: true });
  });

  it("rejects a partly masked 18-position ID", () => {
    expect(scanResidentIds("360426********0071")).toEqual({
      ok: false,
      rule: "resident_id.masked",
    });
    expect(scanResidentIds("浙江省杭州市余杭区****")).toEqual({ ok: true });
  });
});
