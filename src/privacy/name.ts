import { normalizeText } from "./normalize.ts";
import { fail, PASS, type Verdict } from "./rules.ts";

/**
 * Names of natural persons (GB/T 41833-2022: the name hides at least one Chinese character;
 * reference/audit-and-privacy.md §B.4 "Name"):
 * - a name with Han characters passes when it carries a `*` (`张*`, `欧阳**`, `*三`), or is a
 *   surname with an honorific and no given name (`张先生`, `李女士`, `王小姐`, `欧阳女士`);
 * - a name without Han characters passes when at least half of its letters are masked, and at
 *   least one (`J*** S****`);
 * - the name of an organization sender (`sender_kind: "organization"` on the party) passes whole:
 *   it is not a natural person (§B.4 "Name (organization sender)").
 *
 * Only `*` is a mask (§B.4 normalization), so `张某` and `Zhang X.` are not masked names.
 * An empty name shows nothing and passes.
 */

const HAN = /\p{Script=Han}/u;
const HONORIFICS = ["先生", "女士", "小姐"] as const;

/**
 * Compound surnames (复姓), so `欧阳女士` is read as surname + honorific while `张三先生` (a
 * surname and a given name before the honorific) is not. Common knowledge, not an exhaustive list:
 * a rare compound surname with an honorific is rejected, which errs on the side of privacy.
 */
const COMPOUND_SURNAMES = new Set(
  (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 独孤 南宫 西门 " +
    "百里 呼延 端木 万俟 闻人 钟离 澹台 公冶 太叔 申屠 濮阳 淳于 单于 赫连 拓跋 司空 第五 东郭"
  ).split(" "),
);

export interface NameContext {
  /** The party declares `sender_kind: "organization"`. */
  organization: boolean;
}

function isSurnameWithHonorific(name: string): boolean {
  for (const honorific of HONORIFICS) {
    if (!name.endsWith(honorific)) continue;
    const surname = name.slice(0, -honorific.length);
    if ([...surname].length === 1 && HAN.test(surname)) return true;
    if (COMPOUND_SURNAMES.has(surname)) return true;
  }
  return false;
}

export function checkName(value: string, ctx: NameContext): Verdict {
  const name = normalizeText(value).replace(/ /g, "");
  if (name === "" || ctx.organization) return PASS;
  if (HAN.test(name)) {
    return name.includes("*") || isSurnameWithHonorific(name) ? PASS : fail("name.unmasked");
  }
  let masks = 0;
  let letters = 0;
  for (const ch of name) {
    if (ch === "*") masks++;
    else if (/\p{L}/u.test(ch)) letters++;
  }
  if (masks === 0) return fail("name.unmasked");
  // "≥50% of the letters masked": masked positions against all letter positions, masked or not.
  return masks * 2 >= masks + letters ? PASS : fail("name.too_few_masked");
}
