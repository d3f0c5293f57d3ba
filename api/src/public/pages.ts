/**
 * The public pages: county → township → village → project. Pure functions of the public records
 * (domain/public-schemas.ts), so nothing but the allow-listed fields can be shown.
 */
import {
  IMPLEMENTATION_METHOD_LABELS,
  IMPLEMENTATION_METHOD_LABELS_EN,
  STAGE_LABELS,
} from '#domain/lifecycle.js';
import { cstDate } from '#domain/deadlines.js';
import { formatYuan } from '#domain/money.js';
import {
  FUND_SOURCE_LABELS,
  FUND_SOURCE_LABELS_EN,
  PROJECT_NATURE_LABELS,
  PROJECT_NATURE_LABELS_EN,
} from '#domain/schemas.js';
import { MIN_NOTICE_DAYS, type PublicProject, type PublicProjectSummary } from '#domain/public-schemas.js';
import { escapeHtml as e, renderPage, type PublicLang } from './layout.js';
import type { PublicUnit } from './repository.js';

const tr = (lang: PublicLang, zh: string, en: string) => (lang === 'zh-CN' ? zh : en);
/** An enum's name in the page's language, from the domain's two tables of names. */
const named = <K extends string>(
  lang: PublicLang,
  zh: Record<K, string>,
  en: Record<K, string>,
  key: K,
): string => (lang === 'zh-CN' ? zh : en)[key] ?? key;
/** An amount with its unit in the page's language: 元 after it, or CNY before it as English writes it. */
const yuan = (lang: PublicLang, fen: number | bigint) =>
  lang === 'en' ? `CNY ${formatYuan(fen)}` : `${formatYuan(fen)} 元`;
const q = (lang: PublicLang) => (lang === 'en' ? '?lang=en' : '');
/** The language as a further query parameter (`?project=…&lang=en`). */
const amp = (lang: PublicLang) => (lang === 'en' ? '&amp;lang=en' : '');
const stage = (lang: PublicLang, s: PublicProjectSummary['stage']) =>
  STAGE_LABELS[s][lang === 'en' ? 'en' : 'zh'];

/** The money of `ps` as the county's own dashboard sums it: a cancelled project carries none. */
function totals(ps: PublicProjectSummary[]) {
  let budget = 0n;
  let paid = 0n;
  for (const p of ps) {
    if (p.stage === 'cancelled') continue;
    budget += BigInt(p.budgetFen);
    paid += BigInt(p.disbursedFen);
  }
  return { budget, paid };
}

function moneyCard(lang: PublicLang, ps: PublicProjectSummary[]): string {
  const t = totals(ps);
  return `<section><dl><dt>${tr(lang, '项目数', 'Projects')}</dt><dd>${ps.length}</dd>
<dt>${tr(lang, '资金总额', 'Budget')}</dt><dd class="money">${yuan(lang, t.budget)}</dd>
<dt>${tr(lang, '已拨付', 'Disbursed')}</dt><dd>${yuan(lang, t.paid)}</dd></dl>
<p class="muted">${tr(lang, '金额不含已终止项目。', 'Amounts leave out cancelled projects.')}</p></section>`;
}

function projectList(lang: PublicLang, ps: PublicProjectSummary[]): string {
  if (!ps.length) return `<p class="muted">${tr(lang, '暂无项目', 'No projects')}</p>`;
  return `<ul class="list">${ps
    .map(
      (p) => `<li><a href="/public/projects/${e(p.code)}${q(lang)}">${e(p.name)}</a><br>
<span class="muted">${e(p.code)} · ${e(stage(lang, p.stage))} · ${p.progressPercent}% · ${yuan(lang, p.budgetFen)}</span></li>`,
    )
    .join('')}</ul>`;
}

/** `at`: the instant of the request; the open-data link is to the county's year then, not UTC's. */
export function countyPage(
  lang: PublicLang,
  units: PublicUnit[],
  ps: PublicProjectSummary[],
  at = Date.now(),
): string {
  const county = units.find((u) => u.kind === 'county');
  const townships = units.filter((u) => u.kind === 'township');
  // A project lies in every township one of its villages does, as the township's own page lists it
  // (its `township` is only the first of them).
  const townshipOf = new Map(units.filter((u) => u.kind === 'village').map((v) => [v.code, v.parent]));
  const rows = townships
    .map((t) => {
      const mine = ps.filter((p) => p.villages.some((v) => townshipOf.get(v.code) === t.code));
      const s = totals(mine);
      return `<tr><td><a href="/public/townships/${e(t.code)}${q(lang)}">${e(t.name)}</a></td><td class="n">${mine.length}</td><td class="n">${formatYuan(s.budget)}</td><td class="n">${formatYuan(s.paid)}</td></tr>`;
    })
    .join('');
  const name = county?.name ?? '';
  return renderPage({
    lang,
    title: `${name}${tr(lang, '扶贫项目资金公开', ' — public project funds')}`,
    body: `<h1>${e(name)}${tr(lang, ' 扶贫项目资金公开', ': public project funds')}</h1>${moneyCard(lang, ps)}
<section><h2>${tr(lang, '乡镇', 'Townships')}</h2><div class="tw"><table><tr><th>${tr(lang, '乡镇', 'Township')}</th><th class="n">${tr(lang, '项目', 'Projects')}</th><th class="n">${tr(lang, '资金（元）', 'Budget (CNY)')}</th><th class="n">${tr(lang, '已拨付（元）', 'Paid (CNY)')}</th></tr>${rows}</table></div>
<p class="muted">${tr(lang, '跨乡镇的项目计入所涉各乡镇。', 'A project in several townships is counted in each.')}</p></section>
<p class="muted"><a href="/public/data/projects.csv">${tr(lang, '下载项目数据 (CSV)', 'Projects (CSV)')}</a> · <a href="/public/oc4ids/packages/${cstDate(at).slice(0, 4)}">OC4IDS</a> · <a href="/public/changes">${tr(lang, '变更记录 (JSON，供数据对接)', 'Change feed (JSON, for data users)')}</a></p>`,
  });
}

export function townshipPage(
  lang: PublicLang,
  township: PublicUnit,
  villages: PublicUnit[],
  ps: PublicProjectSummary[],
): string {
  const list = villages
    .map((v) => {
      const n = ps.filter((p) => p.villages.some((x) => x.code === v.code)).length;
      return `<li><a href="/public/villages/${e(v.code)}${q(lang)}">${e(v.name)}</a> <span class="muted">${n} ${tr(lang, '个项目', 'projects')}</span></li>`;
    })
    .join('');
  return renderPage({
    lang,
    title: township.name,
    breadcrumbs: [{ href: `/public/${q(lang)}`, label: tr(lang, '全县', 'County') }],
    body: `<h1>${e(township.name)}</h1>${moneyCard(lang, ps)}
<section><h2>${tr(lang, '村', 'Villages')}</h2><ul class="list">${list}</ul>
<p class="muted">${tr(lang, '跨村的项目计入所涉各村，各村项目数相加可能多于本乡镇的项目数。', 'A project in several villages is counted in each, so the villages’ counts may add up to more than the township’s.')}</p></section>
<section><h2>${tr(lang, '项目', 'Projects')}</h2>${projectList(lang, ps)}</section>`,
  });
}

export function villagePage(
  lang: PublicLang,
  village: PublicUnit,
  township: PublicUnit | undefined,
  ps: PublicProjectSummary[],
): string {
  return renderPage({
    lang,
    title: village.name,
    breadcrumbs: [
      { href: `/public/${q(lang)}`, label: tr(lang, '全县', 'County') },
      ...(township ? [{ href: `/public/townships/${township.code}${q(lang)}`, label: township.name }] : []),
    ],
    body: `<h1>${e(village.name)}</h1>${moneyCard(lang, ps)}
<section><h2>${tr(lang, '项目', 'Projects')}</h2>${projectList(lang, ps)}</section>
<p><a class="btn" href="/public/complaints/new?village=${e(village.code)}${amp(lang)}">${tr(lang, '我要举报', 'Report a problem')}</a></p>`,
  });
}

const date = (d: string | null) => d ?? '—';

/**
 * The way to report on the project: its own form, whatever its stage. A cancelled project's page
 * says what may still be reported on it (why it was stopped, where its money went), since a
 * villager may take 已终止 to mean nobody answers for it any more.
 */
function report(lang: PublicLang, p: PublicProject): string {
  const link = `<a class="btn" id="report" href="/public/complaints/new?project=${encodeURIComponent(p.code)}${amp(lang)}">${tr(lang, '我要举报', 'Report a problem')}</a>`;
  if (p.stage !== 'cancelled') return link;
  return `<p class="muted" id="report-cancelled">${tr(
    lang,
    '本项目虽已终止，仍可举报：对终止的原因、已拨付资金的去向或停下未完的工程有疑问，请点“我要举报”。',
    'This project was cancelled, but it can still be reported on: why it was stopped, where the money already paid went, work left unfinished.',
  )}</p>${link}`;
}

export function projectPage(lang: PublicLang, p: PublicProject, complaintPhone: string): string {
  const v = p.villages[0];
  const crumbs = [
    { href: `/public/${q(lang)}`, label: tr(lang, '全县', 'County') },
    ...(p.township
      ? [{ href: `/public/townships/${p.township.code}${q(lang)}`, label: p.township.name }]
      : []),
    ...(v ? [{ href: `/public/villages/${v.code}${q(lang)}`, label: v.name }] : []),
  ];
  const cancelled = p.stage === 'cancelled';
  const sources = p.fundSources
    .map(
      (s) =>
        `<tr><td>${e(named(lang, FUND_SOURCE_LABELS, FUND_SOURCE_LABELS_EN, s.kind))}${s.documentNo ? `<br><span class="muted">${e(s.documentNo)}</span>` : ''}</td><td class="n">${formatYuan(s.amountFen)}</td><td class="n">${formatYuan(s.disbursedFen)}</td></tr>`,
    )
    .join('');
  const dates: [string, string, string | null][] = [
    [tr(lang, '开工', 'Start'), p.plannedStart, p.actualDates.underway],
    [tr(lang, '竣工', 'Completion'), p.plannedCompletion, p.actualDates.completed],
    [tr(lang, '验收', 'Acceptance'), p.plannedAcceptance, p.actualDates.accepted],
    [tr(lang, '报账', 'Reimbursement'), p.plannedReimbursement, p.actualDates.reimbursed],
  ];
  const impl = p.implementation;
  const notices = p.notices.length
    ? p.notices
        .map(
          (n) => `<div class="card"><b>${e(n.village)} · ${e(n.place)}</b><br>
<span>${n.postedFrom} ${tr(lang, '至', 'to')} ${n.postedTo}${tr(lang, `（${n.days} 天）`, ` (${n.days} days)`)}</span>${
            n.meetsMinimum
              ? ''
              : ` <span class="warn">${tr(lang, `少于 ${MIN_NOTICE_DAYS} 天`, `under ${MIN_NOTICE_DAYS} days`)}</span>`
          }
<p>${e(n.content)}</p>${n.announcedAmountFen === null ? '' : `<span class="muted">${tr(lang, '公示金额', 'Amount')} ${yuan(lang, n.announcedAmountFen)}</span>`}</div>`,
        )
        .join('')
    : `<p class="muted">${tr(lang, '暂无公示记录', 'No notices yet')}</p>`;
  const photos = p.photos.length
    ? `<ul class="list">${p.photos
        .map(
          (ph) =>
            `<li><a href="/public/photos/${e(ph.id)}">${tr(lang, '照片', 'Photo')} ${ph.uploadedOn}</a></li>`,
        )
        .join('')}</ul>`
    : `<p class="muted">${tr(lang, '暂无照片', 'No photos yet')}</p>`;
  const body = `<h1>${e(p.name)}</h1>
<p class="muted">${e(p.code)} · ${e(p.type)} · ${e(named(lang, PROJECT_NATURE_LABELS, PROJECT_NATURE_LABELS_EN, p.nature as keyof typeof PROJECT_NATURE_LABELS))} · ${p.year}</p>
${cancelled ? `<p class="warn">${tr(lang, `本项目已于 ${date(p.actualDates.cancelled)} 终止`, `Cancelled on ${date(p.actualDates.cancelled)}`)}</p>` : ''}
<section><dl>
<dt>${tr(lang, '资金总额', 'Budget')}</dt><dd class="money" id="budget">${yuan(lang, p.budgetFen)}</dd>
<dt>${tr(lang, '已拨付', 'Disbursed')}</dt><dd id="disbursed">${yuan(lang, p.disbursedFen)}</dd>
<dt>${tr(lang, '当前阶段', 'Stage')}</dt><dd>${e(stage(lang, p.stage))}</dd>
<dt>${tr(lang, '进度', 'Progress')}</dt><dd>${p.progressPercent}%<div class="bar"><i style="width:${p.progressPercent}%"></i></div></dd>
<dt>${tr(lang, '主管部门', 'Department')}</dt><dd>${e(p.department.name)}</dd>
<dt>${tr(lang, '项目业主', 'Owner')}</dt><dd>${e(p.ownerUnit.name)}</dd>
<dt>${tr(lang, '建设地点', 'Location')}</dt><dd>${e(p.villages.map((x) => x.name).join('、'))}${p.location ? ` ${e(p.location)}` : ''}</dd>
<dt>${tr(lang, '立项文号', 'Approval')}</dt><dd>${e(p.approvalDocumentNo)}</dd>
${p.constructionContent ? `<dt>${tr(lang, '建设内容', 'Scope')}</dt><dd>${e(p.constructionContent)}</dd>` : ''}
</dl></section>
<h2>${tr(lang, '资金来源', 'Funding by source')}</h2><section><div class="tw"><table id="sources"><tr><th>${tr(lang, '来源', 'Source')}</th><th class="n">${tr(lang, '金额（元）', 'Amount (CNY)')}</th><th class="n">${tr(lang, '已拨付（元）', 'Paid (CNY)')}</th></tr>${sources}</table></div>
${p.settlement ? `<p class="muted">${tr(lang, '结算', 'Settled')} ${p.settlement.settledOn}${tr(lang, '：', ': ')}${yuan(lang, p.settlement.settledAmountFen)}</p>` : ''}</section>
<h2>${tr(lang, '时间', 'Dates')}</h2><section><div class="tw"><table><tr><th></th><th>${tr(lang, '计划', 'Planned')}</th><th>${tr(lang, '实际', 'Actual')}</th></tr>${dates
    .map(([l, pl, ac]) => `<tr><td>${l}</td><td>${pl}</td><td>${date(ac)}</td></tr>`)
    .join('')}</table></div></section>
<h2>${tr(lang, '实施', 'Implementation')}</h2><section><dl>
<dt>${tr(lang, '实施方式', 'Method')}</dt><dd>${impl ? e(named(lang, IMPLEMENTATION_METHOD_LABELS, IMPLEMENTATION_METHOD_LABELS_EN, impl.method)) : '—'}</dd>
<dt>${tr(lang, '施工单位', 'Contractor')}</dt><dd>${impl?.contractorName ? e(impl.contractorName) : '—'}</dd>
${impl?.contractAmountFen != null ? `<dt>${tr(lang, '合同金额', 'Contract')}</dt><dd>${yuan(lang, impl.contractAmountFen)}</dd>` : ''}
<dt>${tr(lang, '管护主体', 'After-care')}</dt><dd>${p.afterCare ? `${e(p.afterCare.owner)}：${e(p.afterCare.duty)}` : '—'}</dd>
</dl></section>
<h2>${tr(lang, '公告公示', 'Public notices')}</h2>${notices}
<h2>${tr(lang, '现场照片', 'Photos')}</h2><section>${photos}</section>
<section><p>${tr(lang, '发现问题？监督举报电话', 'Seen a problem? Hotline')} <b>${e(complaintPhone)}</b></p>
${report(lang, p)}</section>
<p class="muted"><a href="/public/oc4ids/projects/${e(p.code)}">OC4IDS (JSON)</a> · <a href="/public/data/transactions.csv?project=${encodeURIComponent(p.code)}">${tr(lang, '拨付明细 (CSV)', 'Payments (CSV)')}</a></p>`;
  return renderPage({ lang, title: `${p.name} · ${p.code}`, breadcrumbs: crumbs, body });
}

export function notFoundPage(lang: PublicLang): string {
  return renderPage({
    lang,
    title: tr(lang, '未找到', 'Not found'),
    body: `<h1>${tr(lang, '未找到该页面', 'Page not found')}</h1><p><a href="/public/">${tr(lang, '返回首页', 'Home')}</a></p>`,
  });
}

/** Too many pages asked for in a minute: when to come back, in the page's language. */
export function tooManyRequestsPage(lang: PublicLang, retryAfterSeconds: number): string {
  const secs = Math.max(1, Math.ceil(retryAfterSeconds));
  return renderPage({
    lang,
    title: tr(lang, '访问过于频繁', 'Too many requests'),
    body: `<h1>${tr(lang, '访问过于频繁', 'Too many requests')}</h1><section><p>${tr(
      lang,
      `您在一分钟内打开的页面太多了，请在 ${secs} 秒后刷新本页。`,
      `You opened too many pages in a minute. Please reload this page in ${secs} seconds.`,
    )}</p></section>`,
  });
}
