import { computed, toValue, type MaybeRefOrGetter } from 'vue';
import { useI18n } from 'vue-i18n';
import { formatYuan } from '@domain/money';
import type { LedgerKind, LedgersDto, LedgerWritePath } from '../api/client';
import { useLabels } from './use-labels';

/**
 * The sections of one ledger as its tab shows them, built from the ledgers' DTO (typed by the
 * shared `ledgersSchema`): each section's columns, and each row already put into words in the
 * columns' order, so the tab renders strings and never reaches into an entry itself.
 */
export interface LedgerColumn {
  label: string;
  width?: number;
  money?: boolean;
}
export interface LedgerRow {
  cells: string[];
  /** The archive ids of the entry's photos (a visit's), [] for every other entry. */
  photos: string[];
}
export interface LedgerSection {
  key: string;
  form?: LedgerWritePath;
  /** A table of entries, or one record shown as label/value rows. */
  record?: boolean;
  /** Whether the entries carry photos (a column of links to them). */
  photos?: boolean;
  columns: LedgerColumn[];
  rows: LedgerRow[];
}

/** How one column reads an entry of type R. */
interface Column<R> extends LedgerColumn {
  value: (r: R) => unknown;
}
interface SectionSpec<R> {
  key: string;
  form?: LedgerWritePath;
  record?: boolean;
  rows: readonly R[];
  columns: Column<R>[];
  photos?: (r: R) => readonly string[];
}

const shown = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

/** Binds a section's entries to its columns; the entry type is checked here and then forgotten. */
function section<R>(s: SectionSpec<R>): LedgerSection {
  return {
    key: s.key,
    form: s.form,
    record: s.record,
    photos: !!s.photos,
    columns: s.columns.map(({ label, width, money }) => ({ label, width, money })),
    rows: s.rows.map((r) => ({
      cells: s.columns.map((c) => shown(c.value(r))),
      photos: [...(s.photos?.(r) ?? [])],
    })),
  };
}

const yuan = (v: number | null) => (v === null ? null : formatYuan(v));

export function useLedgerSections(ledger: MaybeRefOrGetter<LedgerKind>, data: MaybeRefOrGetter<LedgersDto>) {
  const { t } = useI18n();
  const labels = useLabels();

  const col = <R>(
    label: string,
    value: (r: R) => unknown,
    extra: Omit<LedgerColumn, 'label'> = {},
  ): Column<R> => ({
    label: t(`ledger.fields.${label}`),
    value,
    ...extra,
  });

  /** The project's fund sources as the disbursement form and the tables name them. */
  const sources = computed(() =>
    toValue(data).department.fundSources.map((s) => ({
      position: s.position,
      label: `${s.position + 1}. ${labels.fundSource(s.kind)}`,
    })),
  );
  const sourceLabel = (p: number) => sources.value.find((s) => s.position === p)?.label ?? String(p);

  function departmentSections(d: LedgersDto['department']): LedgerSection[] {
    type FundSource = LedgersDto['department']['fundSources'][number];
    type Disbursement = LedgersDto['department']['disbursements'][number];
    type Settlement = NonNullable<LedgersDto['department']['settlement']>;
    return [
      section<LedgersDto['department']>({
        key: 'approval',
        form: 'department',
        record: true,
        rows: [d],
        columns: [
          col('approvalDocumentNo', (r) => r.approvalDocumentNo),
          col('approvedOn', (r) => r.approvedOn),
          col('approvalIssuer', (r) => r.approvalIssuer),
          col('constructionContent', (r) => r.constructionContent),
        ],
      }),
      section<FundSource>({
        key: 'fundSources',
        rows: d.fundSources,
        columns: [
          col('source', (r) => sourceLabel(r.position), { width: 200 }),
          col('sourceAmount', (r) => yuan(r.amountFen), { money: true }),
          col('fundDocument', (r) =>
            r.fundDocument ? `${r.fundDocument.documentNo}（${r.fundDocument.issuer}）` : r.documentNo,
          ),
          col('disbursed', (r) => yuan(r.disbursedFen), { money: true }),
          col('balance', (r) => yuan(r.balanceFen), { money: true }),
        ],
      }),
      section<Disbursement>({
        key: 'disbursements',
        form: 'department/disbursements',
        rows: d.disbursements,
        columns: [
          col('paidOn', (r) => r.paidOn, { width: 110 }),
          col('source', (r) => sourceLabel(r.sourcePosition), { width: 180 }),
          col('amount', (r) => yuan(r.amountFen), { money: true }),
          col('payee', (r) => r.payee),
          col('voucherNo', (r) => r.voucherNo),
          col('approver', (r) => r.approver),
          col('note', (r) => r.note),
        ],
      }),
      section<Settlement>({
        key: 'settlement',
        form: d.settlement ? undefined : 'department/settlement',
        record: true,
        rows: d.settlement ? [d.settlement] : [],
        columns: [
          col('settledOn', (r) => r.settledOn),
          col('settledAmount', (r) => yuan(r.settledAmountFen)),
          col('voucherNo', (r) => r.voucherNo),
          col('note', (r) => r.note),
        ],
      }),
    ];
  }

  function implementingSections(d: LedgersDto['implementing']): LedgerSection[] {
    type Decision = LedgersDto['implementing']['decisions'][number];
    type Implementation = NonNullable<LedgersDto['implementing']['implementation']>;
    type Progress = LedgersDto['implementing']['progress'][number];
    type Adjustment = LedgersDto['implementing']['adjustments'][number];
    return [
      section<Decision>({
        key: 'decisions',
        form: 'implementing/decisions',
        rows: d.decisions,
        columns: [
          col('heldOn', (r) => r.heldOn, { width: 110 }),
          col('meeting', (r) => r.meeting),
          col('attendees', (r) => r.attendees.join(t('common.sep'))),
          col('resolution', (r) => r.resolution),
        ],
      }),
      section<Implementation>({
        key: 'implementation',
        form: 'implementing/implementation',
        record: true,
        rows: d.implementation ? [d.implementation] : [],
        columns: [
          col('method', (r) => labels.method(r.method)),
          col('recordNo', (r) => r.recordNo),
          col('contractorName', (r) => r.contractorName),
          col('contractorUscc', (r) => r.contractorUscc),
          col('contractNo', (r) => r.contractNo),
          col('contractAmount', (r) => yuan(r.contractAmountFen)),
          col('contractSignedOn', (r) => r.contractSignedOn),
        ],
      }),
      section<Progress>({
        key: 'progress',
        form: 'implementing/progress',
        rows: d.progress,
        columns: [
          col('month', (r) => r.month, { width: 100 }),
          col('percent', (r) => `${r.percent}%`, { width: 90 }),
          col('narrative', (r) => r.narrative),
        ],
      }),
      section<Adjustment>({
        key: 'adjustments',
        form: 'implementing/adjustments',
        rows: d.adjustments,
        columns: [
          col('adjustedOn', (r) => r.adjustedOn, { width: 110 }),
          col('documentNo', (r) => r.documentNo),
          col('content', (r) => r.content),
          col('reason', (r) => r.reason),
        ],
      }),
    ];
  }

  function siteSections(d: LedgersDto['site']): LedgerSection[] {
    type Visit = LedgersDto['site']['visits'][number];
    type Notice = LedgersDto['site']['notices'][number];
    type Opinion = LedgersDto['site']['opinions'][number];
    type Beneficiaries = NonNullable<LedgersDto['site']['beneficiaries']>;
    type AfterCare = NonNullable<LedgersDto['site']['afterCare']>;
    type AfterCareCheck = LedgersDto['site']['afterCareChecks'][number];
    return [
      section<Visit>({
        key: 'visits',
        form: 'site/visits',
        photos: (r) => r.photos,
        rows: d.visits,
        columns: [
          col('visitedOn', (r) => r.visitedOn, { width: 110 }),
          col('villageCode', (r) => r.village.name, { width: 100 }),
          col('supervisor', (r) => r.supervisor, { width: 110 }),
          col('findings', (r) => r.findings),
        ],
      }),
      section<Notice>({
        key: 'notices',
        form: 'site/notices',
        rows: d.notices,
        columns: [
          col('villageCode', (r) => r.village.name, { width: 100 }),
          col('place', (r) => r.place),
          col('period', (r) => t('ledger.period', { from: r.postedFrom, to: r.postedTo })),
          col('content', (r) => r.content),
          col('announcedAmount', (r) => yuan(r.announcedAmountFen), { money: true }),
          col('complaintPhone', (r) => r.complaintPhone),
          col('objectionCount', (r) => r.objectionCount, { width: 90 }),
        ],
      }),
      section<Opinion>({
        key: 'opinions',
        form: 'site/opinions',
        rows: d.opinions,
        columns: [
          col('gatheredOn', (r) => r.gatheredOn, { width: 110 }),
          col('opinionMethod', (r) => r.method),
          col('participants', (r) => r.participants, { width: 90 }),
          col('summary', (r) => r.summary),
        ],
      }),
      section<Beneficiaries>({
        key: 'beneficiaries',
        form: 'site/beneficiaries',
        record: true,
        rows: d.beneficiaries ? [d.beneficiaries] : [],
        columns: [
          col('households', (r) => r.households),
          col('poorHouseholds', (r) => r.poorHouseholds),
          col('people', (r) => r.people),
        ],
      }),
      section<AfterCare>({
        key: 'afterCare',
        form: 'site/after-care',
        record: true,
        rows: d.afterCare ? [d.afterCare] : [],
        columns: [col('owner', (r) => r.owner), col('duty', (r) => r.duty)],
      }),
      section<AfterCareCheck>({
        key: 'afterCareChecks',
        form: 'site/after-care-checks',
        rows: d.afterCareChecks,
        columns: [
          col('checkedOn', (r) => r.checkedOn, { width: 110 }),
          col('checker', (r) => r.checker),
          col('result', (r) => r.result),
        ],
      }),
    ];
  }

  const sections = computed<LedgerSection[]>(() => {
    const d = toValue(data);
    switch (toValue(ledger)) {
      case 'department':
        return departmentSections(d.department);
      case 'implementing':
        return implementingSections(d.implementing);
      case 'site':
        return siteSections(d.site);
    }
    return [];
  });

  return { sections, sources };
}
