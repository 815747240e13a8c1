import { describe, expect, it } from "vitest";
import { checkName } from "../../../src/privacy/name.ts";

const person = { organization: false };

describe("checkName", () => {
  it.each([
    "张*",
    "张**",
    "欧阳*",
    "欧阳**",
    "*三",
    "李女士",
    "张先生",
    "王小姐",
    "欧阳女士",
    "张＊",
    "J*** S****",
    "****",
    "",
  ])("accepts %s", (name) => {
    expect(checkName(name, person)).toEqual({ ok: true });
  });

  it.each(["张三", "欧阳娜娜", "张三先生", "张某", "买买提·艾力", "Zhang San", "12345"])(
    "rejects %s as unmasked",
    (name) => {
      expect(checkName(name, person)).toEqual({ ok: false, rule: "name.unmasked" });
    },
  );

  it("requires at least half of the letters of a non-Han name to be masked", () => {
    expect(checkName("John S****", person)).toEqual({ ok: false, rule: "name.too_few_masked" });
    expect(checkName("Jo** ****", person)).toEqual({ ok: true });
  });

  it("lets an organization's name through whole", () => {
    expect(checkName("某某旗舰店", { organization: true })).toEqual({ ok: true });
  });
});
