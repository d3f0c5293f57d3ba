/**
 * The shell of the public pages (/public/…): server-rendered HTML, readable without JavaScript,
 * Chinese first (`?lang=en` for English). Kept minimal here; the portal's pages share it.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.6 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1f2329;background:#f5f6f7}
header{background:#b71c1c;color:#fff;padding:12px 16px}header a{color:#fff;text-decoration:none}
main{max-width:720px;margin:0 auto;padding:16px}nav.crumbs{font-size:14px;margin-bottom:8px}
.card{background:#fff;border-radius:8px;padding:16px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
label{display:block;font-weight:600;margin:12px 0 4px}input[type=text],input[type=tel],select,textarea{width:100%;padding:10px;font-size:16px;border:1px solid #c9cdd4;border-radius:6px}
textarea{min-height:120px}button{background:#b71c1c;color:#fff;border:0;border-radius:6px;padding:12px 20px;font-size:16px;width:100%;margin-top:16px}
.hint{color:#646a73;font-size:14px}.error{color:#b71c1c;font-weight:600}.receipt{font:700 28px/1.3 ui-monospace,Menlo,monospace;letter-spacing:2px;text-align:center;padding:12px;border:2px dashed #b71c1c;border-radius:8px}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 4px;border-bottom:1px solid #eee;vertical-align:top}
footer{text-align:center;color:#8f959e;font-size:13px;padding:24px}`;

export function renderPage(opts: {
  lang: 'zh-CN' | 'en';
  title: string;
  body: string;
  breadcrumbs?: { href: string; label: string }[];
}): string {
  const crumbs = opts.breadcrumbs?.length
    ? `<nav class="crumbs">${opts.breadcrumbs
        .map((b) => `<a href="${escapeHtml(b.href)}">${escapeHtml(b.label)}</a>`)
        .join(' › ')}</nav>`
    : '';
  const site = opts.lang === 'en' ? 'Project funds supervision' : '三账一表 · 项目资金监管';
  return `<!doctype html><html lang="${opts.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)} · ${site}</title><style>${STYLE}</style></head>
<body><header><a href="/public/${opts.lang === 'en' ? '?lang=en' : ''}">${site}</a></header>
<main>${crumbs}<h1>${escapeHtml(opts.title)}</h1>${opts.body}</main><footer>${site}</footer></body></html>`;
}
