/**
 * Normalization before any matching (reference/audit-and-privacy.md §B.4 "Normalize first", §B.5
 * pitfall 5): full-width digits, `＊`, `＋`, `（）` and the ideographic space become ASCII through
 * Unicode NFKC; the dash family becomes `-`; invisible format characters (zero-width space, BOM,
 * bidi marks) are dropped so they cannot split a number; every kind of white space becomes " ".
 * `*` is the only mask character: `x`, `X`, `×` and `某` are not masks, which keeps the resident ID
 * check character `X` unambiguous (§B.4).
 */

/**
 * In one pass, after NFKC: Unicode "Format" characters (zero-width space and joiners, word joiner,
 * BOM, soft hyphen, bidi marks) are dropped; the dashes NFKC leaves alone (hyphen, non-breaking
 * hyphen, figure/en/em dash `—`, horizontal bar, minus sign, two- and three-em dashes) become `-`
 * (`－` U+FF0D and `﹣` already become `-` by NFKC); any white space becomes " ".
 */
const UNIFY = /[\p{Cf}\u2010-\u2015\u2212\u2E3A\u2E3B\s]/gu;
/** Printable ASCII is unchanged by all of the above; most keys and codes are. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function unify(ch: string): string {
  // Format first: JavaScript's `\s` also matches the BOM U+FEFF, which must vanish, not split.
  if (/\p{Cf}/u.test(ch)) return "";
  return /\s/u.test(ch) ? " " : "-";
}

export function normalizeText(value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value;
  return value.normalize("NFKC").replace(UNIFY, unify);
}

/** Characters allowed between the digit groups of one number: `138 1234 5678`, `0571-(8888)…`. */
export function isNumberSeparator(ch: string): boolean {
  return ch === " " || ch === "-" || ch === "(" || ch === ")" || ch === ".";
}

/** Longest separator stretch still read as "inside one number" (`138 - 1234` is 3). */
const MAX_SEPARATOR_SPAN = 3;

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

function isAsciiAlnum(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9A-Za-z]$/.test(ch);
}

/**
 * Removes separators (space, `-`, `(`, `)`, `.`) that stand between two digit or mask positions,
 * so `138-1234-5678` and `138 1234 5678` read as `13812345678`. Expects normalized text.
 */
export function stripNumberSeparators(text: string): string {
  return text.replace(/(?<=[0-9*])[ \-().]{1,3}(?=[0-9*])/g, "");
}

/**
 * Drops a China country prefix (`+86`, `0086`, or a bare `86` when 11 digits follow) from a
 * separator-free number whose remainder is shaped like a mobile number (11 positions, `1[3-9]…`
 * with `*` allowed). Anything else is returned unchanged.
 */
export function stripChinaPrefix(compact: string): string {
  for (const prefix of ["+86", "0086", "86"]) {
    if (compact.startsWith(prefix) && isMobileShape(compact.slice(prefix.length))) {
      return compact.slice(prefix.length);
    }
  }
  return compact;
}

/** 11 positions shaped like a mainland mobile number, digits or masks: `1[3-9]` + 9 (§B.3). */
export function isMobileShape(positions: string): boolean {
  return /^[1*][3-9*][0-9*]{9}$/.test(positions);
}

/**
 * A complete mainland mobile number, 11 digits: the generic superset `1[3-9]\d{9}`, never a
 * per-carrier list, which goes stale with new ranges and number portability (§B.5 pitfall 6).
 */
export function isFullMobile(digits: string): boolean {
  return /^1[3-9]\d{9}$/.test(digits);
}

/**
 * How many digit and mask positions the text holds. A phone needs 11 and a resident ID 17 (plus a
 * check character), so text with fewer cannot hold one: most label text is skipped by this count.
 */
export function countNumberPositions(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 42) n++;
  }
  return n;
}

/**
 * One number as written in text: its digit groups in order (the separators between them dropped),
 * and whether a `+` stood right before it (`+86 138…`).
 */
export interface NumberRun {
  groups: string[];
  plus: boolean;
}

/**
 * Splits normalized text into number runs: maximal stretches of digit groups joined by at most 3
 * separator characters. Anything else (a letter, a Han character, `_`, `:`) ends a run, which gives
 * the digit boundaries of §B.5 pitfall 1: a run is read whole, never as a window inside a longer
 * digit string. With `masks`, `*` counts as a position inside a group (`138****5678` is one
 * group); without, `*` ends a run like a letter does, so `****13812345678` still exposes the phone.
 * A final `X`/`x` right after a digit, and not followed by a letter or digit, is kept at the end of
 * the run as a possible resident ID check character.
 */
export function findNumberRuns(text: string, options: { masks: boolean }): NumberRun[] {
  const inGroup = (ch: string | undefined): boolean => isDigit(ch) || (options.masks && ch === "*");
  const runs: NumberRun[] = [];
  let i = 0;
  while (i < text.length) {
    if (!inGroup(text[i])) {
      i++;
      continue;
    }
    const plus = plusBefore(text, i);
    const groups: string[] = [];
    for (;;) {
      const start = i;
      while (inGroup(text[i])) i++;
      let group = text.slice(start, i);
      const next = text[i];
      if ((next === "X" || next === "x") && isDigit(text[i - 1]) && !isAsciiAlnum(text[i + 1])) {
        group += "X";
        i++;
        groups.push(group);
        break;
      }
      groups.push(group);
      let j = i;
      while (j < text.length && j - i <= MAX_SEPARATOR_SPAN && isNumberSeparator(text[j] ?? ""))
        j++;
      if (j > i && j - i <= MAX_SEPARATOR_SPAN && inGroup(text[j])) {
        i = j;
        continue;
      }
      break;
    }
    runs.push({ groups, plus });
  }
  return runs;
}

function plusBefore(text: string, start: number): boolean {
  let k = start - 1;
  while (k >= 0 && start - k <= MAX_SEPARATOR_SPAN && text[k] === " ") k--;
  return text[k] === "+";
}

/**
 * Every concatenation of consecutive whole groups of a run, up to `maxLength` positions. A number
 * hidden in text is always made of whole groups (`5 138-1234-5678` holds `13812345678`), while a
 * window that cuts through a group is never a number on its own (§B.5 pitfall 1).
 */
export function* groupSpans(
  run: NumberRun,
  maxLength: number,
): Generator<{ text: string; first: number }> {
  for (let first = 0; first < run.groups.length; first++) {
    let text = "";
    for (let last = first; last < run.groups.length; last++) {
      text += run.groups[last] ?? "";
      if (text.length > maxLength) break;
      yield { text, first };
    }
  }
}
