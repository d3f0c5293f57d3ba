/**
 * The public pages' shell: server-rendered HTML, Chinese first, readable without JavaScript (the
 * pages carry none), one inline stylesheet so a phone on a slow link needs a single request.
 */
export type PublicLang = 'zh-CN' | 'en';

/**
 * The page's language from its `lang` query: English for `en` in any case (`EN`, `en-GB`),
 * Chinese for anything else, a page is never refused for its language.
 */
export function pageLangOf(value: unknown): PublicLang {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && /^en(?:[-_][a-z0-9]+)*$/i.test(v.trim()) ? 'en' : 'zh-CN';
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// English in a Latin face first: a Chinese face sets English punctuation full width ("office’ s").
const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1d2633;background:#f4f6f9}
html:lang(en) body{font-family:-apple-system,"Segoe UI","Helvetica Neue",Arial,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
header{background:#1f3a68;color:#fff;padding:10px 16px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:960px;margin:0 auto;padding:12px 16px 40px}nav.crumbs{font-size:14px;margin:4px 0 8px;color:#5b6778}nav.crumbs a{color:#1f5fbf}
h1{font-size:22px;line-height:1.3;margin:8px 0 12px}h2{font-size:18px;margin:20px 0 8px;border-left:4px solid #1f3a68;padding-left:8px}
section,.card{background:#fff;border-radius:8px;padding:12px 14px;margin:10px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
dl{display:grid;grid-template-columns:minmax(4em,max-content) minmax(0,1fr);gap:4px 12px;margin:0}dt{color:#5b6778}dd{margin:0;min-width:0;overflow-wrap:anywhere}
.tw{overflow-x:auto;max-width:100%}table{width:100%;border-collapse:collapse;font-size:14px}th,td{padding:6px 4px;border-bottom:1px solid #e4e8ee;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}td.n{white-space:nowrap}td:first-child{word-break:keep-all;overflow-wrap:anywhere}th{font-weight:600}
@media(max-width:400px){main{padding:10px 10px 32px}section,.card{padding:10px}table{font-size:13px}th,td{padding:6px 2px}th{font-size:12px}.money{font-size:18px}}
@media(max-width:340px){main{padding:8px 8px 28px}section,.card{padding:10px 8px}table{font-size:12px}th{font-size:11px}}.bar{height:8px;background:#e4e8ee;border-radius:4px;overflow:hidden}.bar i{display:block;height:100%;background:#2e8b57}
.money{font-size:20px;font-weight:700;color:#1f3a68}.muted{color:#5b6778;font-size:14px}.warn{color:#b3261e}
a.btn{display:inline-block;background:#b3261e;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600;margin:6px 0}
ul.list{list-style:none;padding:0;margin:0}ul.list li{padding:8px 0;border-bottom:1px solid #e4e8ee}ul.list a{color:#1f5fbf;text-decoration:none;font-weight:600}
label{display:block;font-weight:600;margin:12px 0 4px}input[type=text],input[type=tel],select,textarea{width:100%;padding:10px;font-size:16px;border:1px solid #c9cdd4;border-radius:6px}
textarea{min-height:120px}button{background:#b3261e;color:#fff;border:0;border-radius:6px;padding:12px 20px;font-size:16px;width:100%;margin-top:16px}
.hint{color:#5b6778;font-size:14px}.error{color:#b3261e;font-weight:600}.receipt{font:700 28px/1.3 ui-monospace,Menlo,monospace;letter-spacing:2px;text-align:center;padding:12px;border:2px dashed #b3261e;border-radius:8px}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
footer{text-align:center;color:#5b6778;font-size:13px;padding:16px}@media(min-width:900px){dl{grid-template-columns:10em 1fr}}`;

export interface PageOptions {
  lang: PublicLang;
  title: string;
  body: string;
  breadcrumbs?: { href: string; label: string }[];
  /**
   * The query parameters that make this page what it is (the complaint form's `project` or
   * `village`): the other language's link carries them, or it would open another page.
   */
  query?: Record<string, string>;
  /**
   * No link to the page in the other language: a page that cannot be had again (the receipt shown
   * once after a report is sent) says its point in both languages instead.
   */
  oneLanguage?: boolean;
}

/** This page in the other language: its own query with `lang` switched. */
function otherLanguageHref(opts: PageOptions): string {
  const params = new URLSearchParams({ ...opts.query, lang: opts.lang === 'zh-CN' ? 'en' : 'zh-CN' });
  return `?${params.toString()}`;
}

export function renderPage(opts: PageOptions): string {
  const zh = opts.lang === 'zh-CN';
  const crumbs = opts.breadcrumbs?.length
    ? `<nav class="crumbs">${opts.breadcrumbs
        .map((b) => `<a href="${escapeHtml(b.href)}">${escapeHtml(b.label)}</a>`)
        .join(' › ')}</nav>`
    : '';
  return `<!doctype html>
<html lang="${zh ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)}</title><style>${CSS}</style></head>
<body><header><a href="/public/${zh ? '' : '?lang=en'}">${zh ? '扶贫项目资金公开' : 'Public project funds'}</a></header>
<main>${crumbs}${opts.body}</main>
<footer>${zh ? '本页信息依法公开，个人信息已隐去。' : 'Published by law; personal data withheld.'}${
    opts.oneLanguage
      ? ''
      : ` · <a href="${escapeHtml(otherLanguageHref(opts))}" hreflang="${zh ? 'en' : 'zh-CN'}">${zh ? 'English' : '中文'}</a>`
  }</footer>
</body></html>`;
}
