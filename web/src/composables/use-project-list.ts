import { computed, ref, watch } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';
import { STAGES, type Stage } from '@domain/lifecycle';
import type { OverdueKind, ProjectDto, ProjectListQuery, ProjectSortColumn } from '@domain/schemas';
import { api } from '../api/client';
import type { SearchValues } from '../components/search-fields';
import zhCN from '../locales/zh-CN';
import { DEFAULT_PAGE_SIZE, pageOf, pageSizeOf } from './use-list-page';

export type ProjectFilters = Pick<
  ProjectListQuery,
  | 'q'
  | 'stage'
  | 'department'
  | 'township'
  | 'village'
  | 'overdue'
  | 'fundSource'
  | 'waiting'
  | 'sort'
  | 'order'
  | 'overdueUnit'
  | 'ladder'
  | 'type'
  | 'progressMissing'
> & {
  year?: number;
};
export type ProjectQueryChanges = Partial<ProjectFilters> & { page?: number; pageSize?: number };

export const FILTER_KEYS = [
  'year',
  'department',
  'township',
  'village',
  'stage',
  'overdue',
  'fundSource',
  'waiting',
  'overdueUnit',
  'ladder',
  'type',
  'progressMissing',
  'q',
  'sort',
  'order',
] as const;
/** The deadline ladder's levels, lowest first (the api's `ladder` filter). */
export const LADDER_LEVELS = ['reminder', 'overdue', 'escalated', 'interview'] as const;
// The lists behind the selects: the labels' keys (the contract's constants would bring zod along).
export const FUND_SOURCES = Object.keys(zhCN.fundSources) as NonNullable<ProjectFilters['fundSource']>[];
export const OVERDUE_KINDS = Object.keys(zhCN.overdueKinds) as OverdueKind[];
/** Sort columns offered (the api's whitelist); the table's sortable columns use the same names. */
export const SORTS: { key: ProjectSortColumn; label: string }[] = [
  { key: 'code', label: 'projects.code' },
  { key: 'name', label: 'projects.name' },
  { key: 'year', label: 'projects.year' },
  { key: 'budget', label: 'projects.budget' },
  { key: 'stage', label: 'projects.stage' },
  { key: 'plannedStart', label: 'projectList.plannedStart' },
  { key: 'plannedCompletion', label: 'projectList.plannedCompletion' },
  { key: 'progress', label: 'projects.progress' },
  { key: 'updated', label: 'projectList.updated' },
  { key: 'daysLate', label: 'lateness.daysLate' },
];

const oneOf = <T extends string>(list: readonly T[], v: string | undefined): T | undefined =>
  v !== undefined && (list as readonly string[]).includes(v) ? (v as T) : undefined;
const sortOf = (v: string | undefined) =>
  oneOf(
    SORTS.map((x) => x.key),
    v,
  );

/** The URL is the state: filters, page and page size are read from it and written back to it. */
function fromQuery(query: LocationQuery) {
  const str = (k: string) => (typeof query[k] === 'string' && query[k] ? (query[k] as string) : undefined);
  const year = Number(str('year'));
  const stage = str('stage');
  return {
    filters: {
      year: Number.isInteger(year) && year > 0 ? year : undefined,
      department: str('department'),
      township: str('township'),
      village: str('village'),
      stage: stage && (STAGES as readonly string[]).includes(stage) ? (stage as Stage) : undefined,
      overdue: oneOf(['any', ...OVERDUE_KINDS] as const, str('overdue')),
      fundSource: oneOf(FUND_SOURCES, str('fundSource')),
      waiting: oneOf(['mine'] as const, str('waiting')),
      overdueUnit: str('overdueUnit'),
      ladder: oneOf(LADDER_LEVELS, str('ladder')),
      type: str('type'),
      progressMissing: /^\d{4}-(0[1-9]|1[0-2])$/.test(str('progressMissing') ?? '')
        ? str('progressMissing')
        : undefined,
      q: str('q'),
      sort: sortOf(str('sort')),
      order: oneOf(['asc', 'desc'] as const, str('order')),
    } satisfies ProjectFilters,
    page: pageOf(str('page')),
    pageSize: pageSizeOf(str('pageSize')),
  };
}

/** The project list of the URL's filters, page and order, loaded again whenever the URL changes. */
export function useProjectList() {
  const { t } = useI18n();
  const route = useRoute();
  const router = useRouter();

  const state = computed(() => fromQuery(route.query));
  const items = ref<ProjectDto[]>([]);
  const total = ref(0);
  /** The server counted no further than `total` (10,000): there are more. */
  const totalCapped = ref(false);
  const loading = ref(false);
  const error = ref('');

  /** Writes the changes into the URL; any change but the page's goes back to page 1. */
  function setQuery(changes: ProjectQueryChanges) {
    const next: Record<string, string> = {};
    const merged = { ...state.value.filters, page: 1, pageSize: state.value.pageSize, ...changes };
    for (const k of FILTER_KEYS) {
      const v = merged[k];
      if (v !== undefined && v !== '' && v !== null) next[k] = String(v);
    }
    if (merged.page > 1) next.page = String(merged.page);
    if (merged.pageSize !== DEFAULT_PAGE_SIZE) next.pageSize = String(merged.pageSize);
    void router.replace({ query: next });
  }
  /**
   * 搜索: the search form's values, read as the URL's would be (so they are checked the same way),
   * from page 1. The project type and the month missing its progress are not in the form (each
   * comes with a link, from the statistics or the workbench): they stay.
   */
  function search(values: SearchValues) {
    const query: LocationQuery = {};
    const { type, progressMissing } = state.value.filters;
    for (const [k, v] of Object.entries({ ...values, type, progressMissing })) if (v) query[k] = v;
    const { filters } = fromQuery(query);
    const order = filters.sort && filters.order === 'desc' ? 'desc' : undefined;
    setQuery({ ...filters, order, page: 1 });
  }
  const resetQuery = () => void router.replace({ query: {} });

  /** The cursors beside the page shown: the next or previous page is then one index range (keyset). */
  let beside: { of: string; page: number; next?: string | null; prev?: string | null } | undefined;

  let seq = 0;
  async function load() {
    const mine = ++seq;
    loading.value = true;
    error.value = '';
    try {
      const { filters, page, pageSize } = state.value;
      const of = JSON.stringify([filters, pageSize]);
      const near = beside?.of === of ? beside : undefined;
      const cursor =
        near && page === near.page + 1 && near.next
          ? { after: near.next }
          : near && page === near.page - 1 && near.prev
            ? { before: near.prev }
            : {};
      const res = await api.listProjects({ ...filters, page, pageSize, ...cursor });
      if (mine !== seq) return;
      beside = { of, page, next: res.nextCursor, prev: res.prevCursor };
      items.value = res.items;
      total.value = res.total;
      totalCapped.value = res.totalCapped === true;
    } catch (err) {
      if (mine === seq) error.value = err instanceof Error ? err.message : t('errors.load');
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  watch(() => route.fullPath, load, { immediate: true });

  const exportUrl = computed(() => api.projectsExportUrl(state.value.filters));

  /** Element Plus reports a header click; the URL keeps the order (and reloads the page of data). */
  function onSortChange({ prop, order }: { prop: string | null; order: 'ascending' | 'descending' | null }) {
    const sort = order ? sortOf(prop ?? undefined) : undefined;
    setQuery({ sort, order: sort && order === 'descending' ? 'desc' : undefined });
  }
  const tableSort = computed(() =>
    state.value.filters.sort
      ? {
          prop: state.value.filters.sort,
          order: state.value.filters.order === 'desc' ? ('descending' as const) : ('ascending' as const),
        }
      : undefined,
  );

  return {
    state,
    items,
    total,
    totalCapped,
    loading,
    error,
    setQuery,
    search,
    resetQuery,
    exportUrl,
    onSortChange,
    tableSort,
  };
}
