/**
 * The open-data view of the public records: OC4IDS 0.9 project packages (docs/portal.md). Built
 * only from `PublicProject` (the allow-list), so it cannot carry more than the portal shows.
 * Amounts are numbers in 元 with two decimals, made from integer 分 by string formatting, never by
 * dividing a float. Pure.
 */
import { STAGE_LABELS, type Stage } from './lifecycle.js';
import { FUND_SOURCE_LABELS, type FundSourceKind } from './schemas.js';
import type { PublicProject } from './public-schemas.js';

export const OC4IDS_VERSION = '0.9';

/** 分 → 元 as a JSON number: "1234567" 分 → 12345.67, exact (every 2-decimal value below 10^13 round-trips). */
export function yuanNumber(fen: number | bigint): number {
  const s = BigInt(fen).toString().padStart(3, '0');
  return Number(`${s.slice(0, -2)}.${s.slice(-2)}`);
}

/** The closed projectStatus codelist. */
export const OC4IDS_STATUS: Record<Stage, string> = {
  approved: 'identification',
  designApproved: 'preparation',
  methodFixed: 'implementation',
  underway: 'implementation',
  completed: 'implementation',
  rectifying: 'implementation',
  accepted: 'completion',
  reimbursed: 'completion',
  afterCare: 'maintenance',
  closed: 'maintenance',
  cancelled: 'cancelled',
};

/** Who provides each kind of fund: public bodies by level (never a person). */
const FUNDERS: Record<FundSourceKind, { id: string; name: string }> = {
  centralSpecial: { id: 'funder-central', name: '中央财政' },
  municipalSpecial: { id: 'funder-municipal', name: '市级财政' },
  countySpecial: { id: 'funder-county', name: '县级财政' },
  sector: { id: 'funder-sector', name: '行业部门' },
  social: { id: 'funder-social', name: '社会帮扶' },
  integratedAgri: { id: 'funder-integrated', name: '统筹整合涉农资金' },
};

export interface PackageOptions {
  /** The portal's address (PUBLIC_BASE_URL), for the package and project URIs. */
  baseUrl: string;
  /** The project id prefix (`oc4ids-<prefix>-`) and the publisher's name. */
  idPrefix: string;
  publisher: string;
  /** The package's own URI and publication time. */
  uri: string;
  publishedDate: string;
}

const at = (d: string) => `${d}T00:00:00+08:00`;
const value = (fen: number) => ({ amount: yuanNumber(fen), currency: 'CNY' });

export function oc4idsProject(p: PublicProject, o: Pick<PackageOptions, 'baseUrl' | 'idPrefix'>) {
  const dept = { id: `unit-${p.department.code}`, name: p.department.name };
  const owner = { id: `unit-${p.ownerUnit.code}`, name: p.ownerUnit.name };
  const kinds = [...new Set(p.fundSources.map((s) => s.kind))];
  const contractor = p.implementation?.contractorName
    ? { id: 'contractor-1', name: p.implementation.contractorName }
    : null;
  const parties = [
    { ...dept, roles: ['publicAuthority'] },
    ...(owner.id === dept.id ? [] : [{ ...owner, roles: ['procuringEntity', 'administrativeEntity'] }]),
    ...kinds.map((k) => ({ ...FUNDERS[k], roles: ['funder', 'payer'] })),
    ...(contractor ? [{ ...contractor, roles: ['supplier'] }] : []),
  ];
  const milestone = (id: string, title: string, due: string, met: string | null) => ({
    id,
    title,
    type: 'delivery',
    dueDate: at(due),
    ...(met ? { dateMet: at(met), status: 'met' } : { status: 'scheduled' }),
  });
  const url = `${o.baseUrl}/public/projects/${encodeURIComponent(p.code)}`;
  return {
    id: `oc4ids-${o.idPrefix}-${p.code}`,
    updated: p.updatedAt,
    language: 'zh',
    title: p.name,
    ...(p.constructionContent ? { description: p.constructionContent } : {}),
    status: OC4IDS_STATUS[p.stage],
    type: p.nature === 'new' ? 'construction' : p.nature === 'rebuilt' ? 'rehabilitation' : 'expansion',
    sector: [p.type],
    publicAuthority: dept,
    identifiers: [{ id: p.code, scheme: 'CN-county-project-code' }],
    period: { startDate: at(p.plannedStart), endDate: at(p.plannedCompletion) },
    locations: [
      {
        id: '1',
        description: [p.township?.name, ...p.villages.map((v) => v.name)].filter(Boolean).join(' '),
      },
    ],
    budget: {
      amount: value(p.budgetFen),
      budgetBreakdowns: [
        {
          id: 'fundSources',
          description: '资金来源 (funding by source)',
          budgetBreakdown: p.fundSources.map((s) => ({
            id: String(s.position),
            description: FUND_SOURCE_LABELS[s.kind] + (s.documentNo ? ` ${s.documentNo}` : ''),
            amount: value(s.amountFen),
            sourceParty: FUNDERS[s.kind],
          })),
        },
      ],
    },
    parties,
    milestones: [
      milestone('start', '开工 (start of works)', p.plannedStart, p.actualDates.underway),
      milestone('completion', '竣工 (completion)', p.plannedCompletion, p.actualDates.completed),
      milestone('acceptance', '验收 (acceptance)', p.plannedAcceptance, p.actualDates.accepted),
      milestone('reimbursement', '报账 (reimbursement)', p.plannedReimbursement, p.actualDates.reimbursed),
    ],
    // The schema wants at least one transaction when the field is there: none paid, none sent.
    ...(p.disbursements.length
      ? {
          transactions: p.disbursements.map((d) => ({
            id: d.id,
            date: at(d.paidOn),
            value: value(d.amountFen),
            payer: FUNDERS[d.sourceKind],
          })),
        }
      : {}),
    documents: [
      {
        id: 'page',
        documentType: 'projectScope',
        title: `${p.name} 项目公开页`,
        url,
        format: 'text/html',
        language: 'zh',
      },
      ...p.notices.map((n) => ({
        id: `notice-${n.id}`,
        documentType: 'projectPlan',
        title: `公示 ${n.village} ${n.place}`,
        description: `${n.content}（公示期 ${n.postedFrom} 至 ${n.postedTo}，${n.days} 天）`,
        datePublished: at(n.postedFrom),
        language: 'zh',
      })),
      ...p.photos.map((ph) => ({
        id: `photo-${ph.id}`,
        documentType: 'illustration',
        title: '现场照片',
        url: `${o.baseUrl}/public/photos/${ph.id}`,
        datePublished: at(ph.uploadedOn),
      })),
    ],
    ...(p.actualDates.completed || p.stage === 'cancelled'
      ? {
          completion: {
            ...(p.actualDates.completed ? { endDate: at(p.actualDates.completed) } : {}),
            ...(p.settlement ? { finalValue: value(p.settlement.settledAmountFen) } : {}),
            ...(p.stage === 'cancelled'
              ? {
                  finalScope: 'cancelled',
                  finalScopeDetails: `${STAGE_LABELS.cancelled.zh} ${p.actualDates.cancelled ?? ''}`.trim(),
                }
              : {}),
          },
        }
      : {}),
  };
}

export function oc4idsPackage(projects: PublicProject[], o: PackageOptions) {
  return {
    uri: o.uri,
    version: OC4IDS_VERSION,
    publishedDate: o.publishedDate,
    publisher: { name: o.publisher },
    license: 'https://creativecommons.org/licenses/by/4.0/',
    projects: projects.map((p) => oc4idsProject(p, o)),
  };
}
