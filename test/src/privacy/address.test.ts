import { describe, expect, it } from "vitest";
import { checkAddress } from "../../../src/privacy/address.ts";

describe("checkAddress", () => {
  it.each([
    "浙江省杭州市余杭区****",
    "浙江省杭州市西湖区文三路**小区****",
    "浙江省杭州市余杭区文一西路*号*幢*单元***室",
    "广东省深圳市南山区＊＊＊＊",
    "",
  ])("accepts %s", (address) => {
    expect(checkAddress(address)).toEqual({ ok: true });
  });

  it.each([
    "浙江省杭州市余杭区文一西路1号3幢2单元501室",
    "浙江省杭州市余杭区****3-2-501",
    "浙江省杭州市余杭区****3—2—501",
    "浙江省杭州市余杭区**** 3 - 2 - 501",
    "浙江省杭州市余杭区****2单元",
    "浙江省杭州市余杭区****2 单元",
    "浙江省杭州市余杭区****二单元",
    "浙江省杭州市余杭区****501室",
    "浙江省杭州市余杭区****３户",
    "浙江省杭州市余杭区****12号房",
    "浙江省杭州市余杭区****3幢501",
    "浙江省杭州市余杭区****A座1203",
    "浙江省杭州市余杭区****5号楼1001",
    "浙江省杭州市余杭区****3栋-0802",
  ])("rejects a unit or room in %s", (address) => {
    expect(checkAddress(address)).toEqual({ ok: false, rule: "address.unit_room" });
  });

  it("rejects an address with no mask at all", () => {
    expect(checkAddress("浙江省杭州市余杭区文一西路")).toEqual({
      ok: false,
      rule: "address.no_mask",
    });
  });

  it("does not read a building number, a floor or a door number as a room", () => {
    expect(checkAddress("浙江省杭州市余杭区文一西路969号**幢****")).toEqual({ ok: true });
    expect(checkAddress("浙江省杭州市余杭区3楼****")).toEqual({ ok: true });
  });
});
