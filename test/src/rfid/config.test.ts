import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.ts";
import { redactConfig } from "../../../src/gateway-docs.ts";
import { prepareRfid, rfidBlockSchema } from "../../../src/rfid/request.ts";
import { rfidSchema } from "../../../src/rfid/config.ts";
import { isCodedError } from "../../../src/errors.ts";

const issues = (input: unknown) => {
  const r = rfidSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("rfid configuration", () => {
  it("refuses a zero or malformed access password and an asset type that does not fit the prefix", () => {
    expect(issues({ access_password: "00000000" })).toEqual(["access_password: must not be zero"]);
    expect(issues({ access_password: "5A17C0D" })).toEqual([
      "access_password: expected 8 hex digits",
    ]);
    expect(issues({ company_prefix: "0614141", bag_asset_type: "1234" })).toEqual([
      "bag_asset_type: expected 5 digits (12 minus the company prefix length)",
    ]);
    expect(
      issues({ company_prefix: "0614141", bag_asset_type: "12345", access_password: "5A17C0DE" }),
    ).toEqual([]);
  });

  it("never publishes the access password in the gateway info", () => {
    const config = configSchema.parse({ rfid: { access_password: "5A17C0DE" } });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain("5A17C0DE");
    expect(shown).toContain('"access_password_configured":true');
  });
});

describe("rfid block → EPC", () => {
  const config = rfidSchema.parse({
    company_prefix: "0614141",
    bag_asset_type: "12345",
    access_password: "5A17C0DE",
  });
  const code = (block: unknown, c = config) => {
    try {
      prepareRfid(rfidBlockSchema.parse(block), c);
      return "ok";
    } catch (e) {
      return isCodedError(e)
        ? `${e.code}:${String(e.details["field"] ?? e.details["path"])}`
        : "thrown";
    }
  };

  it("bags get GRAI-96, parcels SSCC-96, with the configured filters and the site password", () => {
    const bag = prepareRfid(rfidBlockSchema.parse({ bag_no: "5678" }), config);
    expect(bag.uri).toBe("urn:epc:tag:grai-96:0.0614141.12345.5678");
    expect(bag.spec).toMatchObject({ accessPassword: 0x5a17c0de, lock: true });
    const parcel = prepareRfid(
      rfidBlockSchema.parse({ serial_ref: "1234567890", lock: false }),
      config,
    );
    expect(parcel.uri).toBe("urn:epc:tag:sscc-96:2.0614141.1234567890");
    expect(parcel.spec.lock).toBe(false);
  });

  it("without a prefix: the private labelgate-96 layout with the site number", () => {
    const c = rfidSchema.parse({ site_number: 42, access_password: "5A17C0DE" });
    expect(prepareRfid(rfidBlockSchema.parse({ bag_no: "5678" }), c).uri).toBe(
      "urn:labelgate:epc:bag:42.5678",
    );
  });

  it("coded refusals: numbers that do not fit, no password configured, not exactly one identifier", () => {
    expect(code({ serial_ref: "123" })).toBe("rfid_epc_invalid:serial_reference");
    expect(code({ bag_no: String(2 ** 38) })).toBe("rfid_epc_invalid:serial");
    expect(code({ bag_no: "1" }, rfidSchema.parse({}))).toBe(
      "rfid_not_configured:rfid.access_password",
    );
    expect(rfidBlockSchema.safeParse({ bag_no: "1", serial_ref: "1" }).success).toBe(false);
    expect(rfidBlockSchema.safeParse({}).success).toBe(false);
    expect(rfidBlockSchema.safeParse({ bag_no: "1", user_memory: "张三 138" }).success).toBe(false);
  });
});
