/** HTML helpers of the server-rendered console: escaping, the page frame, tables. */
import { t, type Lang, type TextKey } from "./i18n.ts";
import type { Principal } from "./auth.ts";
import { hasRole } from "./auth.ts";

const ESC: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
/** Escapes text for element content and quoted attribute values. */
export const esc = (v: unknown): string => String(v ?? "").replace(/[&<>"']/g, (c) => ESC[c]!);

/** A fragment of trusted HTML (built with `esc` for every dynamic part). */
export interface Html {
  readonly html: string;
}
export const raw = (html: string): Html => ({ html });
export const h = (strings: TemplateStringsArray, ...values: unknown[]): Html =>
  raw(
    strings.reduce((out, s, i) => {
      if (i === 0) return s;
      const v = values[i - 1];
      const part = Array.isArray(v)
        ? v.map((x) => (isHtml(x) ? x.html : esc(x))).join("")
        : isHtml(v)
          ? v.html
          : esc(v);
      return out + part + s;
    }, ""),
  );
const isHtml = (v: unknown): v is Html => typeof v === "object" && v !== null && "html" in v;

const NAV: Array<{ key: TextKey; href: string; role: "operator" | "supervisor" }> = [
  { key: "devices", href: "/console/devices", role: "operator" },
  { key: "jobs", href: "/console/jobs", role: "operator" },
  { key: "audit", href: "/console/audit", role: "supervisor" },
  { key: "approvals", href: "/console/approvals", role: "supervisor" },
  { key: "alerts", href: "/console/alerts", role: "supervisor" },
  { key: "lockdown", href: "/console/lockdown", role: "supervisor" },
  { key: "charts", href: "/console/charts", role: "supervisor" },
];

export function page(o: {
  lang: Lang;
  title: string;
  who: Principal | undefined;
  page: string;
  body: Html;
  lockdown?: boolean;
}): string {
  const nav = o.who
    ? NAV.filter((n) => hasRole(o.who, n.role)).map(
        (n) =>
          h`<a href="${n.href}" class="${o.page === n.key ? "on" : ""}" data-nav="${n.key}">${t(o.lang, n.key)}</a>`,
      )
    : [];
  const other = o.lang === "zh" ? "en" : "zh";
  return `<!doctype html>${
    h`<html lang="${o.lang === "zh" ? "zh-CN" : "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · labelgate</title><link rel="stylesheet" href="/console/assets/console.css"></head>
<body data-page="${o.page}"><header><strong>${t(o.lang, "title")}</strong><nav>${nav}</nav>
<span class="who">${o.who ? `${o.who.id} (${o.who.role})` : ""}
<a href="?lang=${other}" data-lang="${other}">${other === "zh" ? "中文" : "English"}</a>
${o.who ? h`<button type="button" data-post="/api/v1/logout" data-next="/console/login">${t(o.lang, "logout")}</button>` : ""}</span></header>
${o.lockdown ? h`<div class="banner" id="lockdown-banner">${t(o.lang, "lockdown_active")}</div>` : ""}
<main><h1>${o.title}</h1>${o.body}</main><script src="/console/assets/console.js"></script></body></html>`
      .html
  }`;
}

export function table(headers: string[], rows: Html[], attrs = ""): Html {
  return raw(
    `<div class="scroll"><table ${attrs}><thead><tr>${headers.map((x) => `<th>${esc(x)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => r.html).join("")}</tbody></table></div>`,
  );
}
