import { normalizeText } from "./normalize.ts";
import { fail, PASS, type Verdict } from "./rules.ts";

/**
 * Addresses (GB/T 41833-2022: the address hides the unit/household/room number, 单元户室号;
 * reference/audit-and-privacy.md §B.4 "Address"). An address passes when it carries at least one
 * `*` and no unit or room designator is left visible. Accepted: `浙江省杭州市余杭区****`,
 * `…文三路**小区****`, `…3幢*单元***室` (the numbers are masked). An empty address passes.
 *
 * The unit/room check runs first: an address such as `…1号3幢2单元501室` is reported as
 * `address.unit_room`, the more specific finding, even though it has no mask either.
 */

/** Arabic or Chinese numerals, so `二单元` and `五〇一室` count like `2单元` and `501室`. */
const NUM = "[0-9零〇一二三四五六七八九十百两]+";

const UNIT_ROOM: readonly RegExp[] = [
  new RegExp(`${NUM}(?:单元|室|户|号房)`, "u"), // 2单元, 501室, 3户, 12号房
  /\d+-\d+-\d+/, // building-unit-room triple: 3-2-501
  /(?:栋|幢|号楼|座)-?\d{3,4}(?!\d)/, // room right after the building: 3幢501, A座1203, 5号楼1001
  // English designators (spaces were dropped): Room 1203, Rm.5, Unit 2, Apt #301, Flat 4, Suite 12.
  /(?:^|[^a-z])(?:room|rm|unit|apt|apartment|flat|suite|ste)\.?#?(?:no\.?)?\d/i,
];

export function checkAddress(value: string): Verdict {
  // Spaces are dropped so `2 单元` and `3 - 2 - 501` cannot slip past; dashes were unified by
  // normalizeText (`3—2—501`, `3－2－501`).
  const address = normalizeText(value).replace(/ /g, "");
  if (address === "") return PASS;
  if (UNIT_ROOM.some((pattern) => pattern.test(address))) return fail("address.unit_room");
  if (!address.includes("*")) return fail("address.no_mask");
  return PASS;
}
