import fc from "fast-check";
import epcTdsModule from "epc-tds";
import { describe, expect, it } from "vitest";
import {
  decodeEpc,
  encodeEpc,
  epcTagUri,
  fromHex,
  GRAI96_MAX_SERIAL,
  graiDigits,
  ssccDigits,
  toHex,
  type Epc,
  type Grai96,
  type Sscc96,
} from "../../../firmware-protocols/epc/index.ts";

/** The slice of the independent decoder (epc-tds 1.4.1) these tests use. */
interface TdsEpc {
  toTagURI(): string;
  toIdURI(): string;
  getSscc(): string;
  getGrai(): string;
  getCompanyPrefix(): number;
  getSerial(): number;
}
interface TdsLib {
  valueOf(hex: string): TdsEpc;
}
// A CommonJS module compiled from TypeScript: the library object is its `default` export, which
// Node's interop may wrap once more.
const tdsRaw = epcTdsModule as unknown as TdsLib & { default?: TdsLib };
const tds: TdsLib = tdsRaw.default ?? tdsRaw;

// Normative vectors: GS1 EPC TDS 1.13 (reference/device-protocols.md §5.5).
const SSCC_VECTOR = "3174257BF4499602D2000000";
const GRAI_VECTOR = "3374257BF40C0E400000162E";

const sscc: Sscc96 = {
  scheme: "sscc-96",
  filter: 3,
  companyPrefix: "0614141",
  serialReference: "1234567890",
};
const grai: Grai96 = {
  scheme: "grai-96",
  filter: 3,
  companyPrefix: "0614141",
  assetType: "12345",
  serial: "5678",
};

function hexOf(e: Epc): string {
  const r = encodeEpc(e);
  if (!r.ok) throw new Error(`encode failed: ${r.code} ${r.field}`);
  return toHex(r.value);
}

describe("EPC codecs against the GS1 TDS vectors", () => {
  it("SSCC-96 encodes and decodes the normative vector", () => {
    expect(hexOf(sscc)).toBe(SSCC_VECTOR);
    expect(decodeEpc(fromHex(SSCC_VECTOR)!)).toEqual({ ok: true, value: sscc });
    expect(epcTagUri(sscc)).toBe("urn:epc:tag:sscc-96:3.0614141.1234567890");
    expect(ssccDigits(sscc)).toBe("106141412345678908");
  });

  it("GRAI-96 encodes and decodes the normative vector", () => {
    expect(hexOf(grai)).toBe(GRAI_VECTOR);
    expect(decodeEpc(fromHex(GRAI_VECTOR)!)).toEqual({ ok: true, value: grai });
    expect(epcTagUri(grai)).toBe("urn:epc:tag:grai-96:3.0614141.12345.5678");
    expect(graiDigits(grai)).toBe("006141411234525678");
  });
});

describe("EPC codecs against an independent decoder (epc-tds)", () => {
  const prefixes = fc
    .integer({ min: 6, max: 12 })
    .chain((n) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`)));

  it("every SSCC-96 we encode decodes to the same SSCC", () => {
    fc.assert(
      fc.property(
        prefixes,
        fc.integer({ min: 0, max: 7 }),
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        (gcp, filter, n) => {
          const digits = 17 - gcp.length;
          const serialReference = (n % 10n ** BigInt(digits)).toString().padStart(digits, "0");
          const e: Sscc96 = { scheme: "sscc-96", filter, companyPrefix: gcp, serialReference };
          const other = tds.valueOf(hexOf(e));
          expect(other.toTagURI()).toBe(epcTagUri(e));
          expect(other.getSscc()).toBe(ssccDigits(e));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every GRAI-96 we encode decodes to the same GRAI", () => {
    fc.assert(
      fc.property(
        prefixes,
        fc.integer({ min: 0, max: 7 }),
        fc.nat(),
        fc.bigInt({ min: 0n, max: GRAI96_MAX_SERIAL }),
        (gcp, filter, a, s) => {
          const digits = 12 - gcp.length;
          const assetType = digits === 0 ? "" : String(a % 10 ** digits).padStart(digits, "0");
          const e: Grai96 = {
            scheme: "grai-96",
            filter,
            companyPrefix: gcp,
            assetType,
            serial: s.toString(),
          };
          const other = tds.valueOf(hexOf(e));
          if (digits === 0) {
            // A 12-digit prefix leaves the asset type no digits: TDS writes it empty, epc-tds
            // writes a 0 (in the URI and the element string), so compare the fields instead.
            expect(String(other.getCompanyPrefix()).padStart(12, "0")).toBe(gcp);
            expect(String(other.getSerial())).toBe(s.toString());
            return;
          }
          expect(other.toIdURI()).toBe(`urn:epc:id:grai:${gcp}.${assetType}.${s}`);
          // epc-tds leaves out the element string's leading filler zero.
          expect(other.getGrai()).toBe(graiDigits(e).slice(1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the private fallback is never read as a GS1 EPC", () => {
    const e: Epc = {
      scheme: "labelgate-96",
      kind: "bag",
      site: 4711,
      serial: "18446744073709551615",
    };
    const hex = hexOf(e);
    expect(decodeEpc(fromHex(hex)!)).toEqual({ ok: true, value: e });
    expect(() => tds.valueOf(hex)).toThrow(/Unsupported EPC/);
  });
});

describe("EPC range checks", () => {
  const bad = (e: Epc) => {
    const r = encodeEpc(e);
    return r.ok ? "ok" : `${r.code}:${r.field}`;
  };

  it("refuses fields that do not fit, naming the field", () => {
    expect(bad({ ...sscc, filter: 8 })).toBe("field_range:filter");
    expect(bad({ ...sscc, companyPrefix: "06141" })).toBe("field_format:company_prefix");
    expect(bad({ ...sscc, serialReference: "123456789" })).toBe("field_format:serial_reference");
    expect(bad({ ...sscc, serialReference: "12345678901" })).toBe("field_format:serial_reference");
    expect(bad({ ...sscc, serialReference: "12345678x0" })).toBe("field_format:serial_reference");
    expect(bad({ ...grai, assetType: "1234" })).toBe("field_format:asset_type");
    expect(bad({ ...grai, serial: "0123" })).toBe("field_format:serial");
    expect(bad({ ...grai, serial: (GRAI96_MAX_SERIAL + 1n).toString() })).toBe(
      "field_range:serial",
    );
    expect(bad({ ...grai, serial: GRAI96_MAX_SERIAL.toString() })).toBe("ok");
    expect(bad({ scheme: "labelgate-96", kind: "parcel", site: 1 << 20, serial: "1" })).toBe(
      "field_range:site",
    );
    expect(
      bad({ scheme: "labelgate-96", kind: "parcel", site: 1, serial: "18446744073709551616" }),
    ).toBe("field_range:serial");
  });

  it("decoding refuses bad lengths, unknown headers, reserved bits and digit overflow", () => {
    const code = (hex: string) => {
      const r = decodeEpc(fromHex(hex)!);
      return r.ok ? "ok" : `${r.code}:${r.field}`;
    };
    expect(code("3174257BF4499602D20000")).toBe("length:epc");
    expect(code("3074257BF4499602D2000000")).toBe("header:header"); // SGTIN-96: not ours
    expect(code("3174257BF4499602D2000001")).toBe("reserved_bits:reserved");
    expect(code("317C257BF4499602D2000000")).toBe("reserved_bits:partition"); // partition 7
    // Partition 6: a 20-bit prefix field of all ones (1048575) has 7 digits, more than the 6 allowed.
    expect(code("313BFFFFC000000000000000")).toBe("field_range:company_prefix");
  });

  it("the GIAI-96 trap of epc-tds (silent truncation) cannot happen here: every encode is round-tripped", () => {
    // Every successful encode decodes back to the input; property-tested over the serial range edge.
    fc.assert(
      fc.property(
        fc.bigInt({ min: GRAI96_MAX_SERIAL - 1000n, max: GRAI96_MAX_SERIAL + 1000n }),
        (s) => {
          const r = encodeEpc({ ...grai, serial: s.toString() });
          if (r.ok)
            expect(decodeEpc(r.value)).toEqual({
              ok: true,
              value: { ...grai, serial: s.toString() },
            });
          else expect(s).toBeGreaterThan(GRAI96_MAX_SERIAL);
        },
      ),
    );
  });
});
