import { computed, watch } from 'vue';
import { useRoute, useRouter, type LocationQuery, type RouteLocationRaw } from 'vue-router';
import { STAGES, type Stage } from '@domain/lifecycle';
import type { StatDimension, StatFigures } from '@domain/statistics-schemas';
import { statisticsApi, type StatisticsQuery } from '../api/statistics';
import { useLoader } from './use-list-page';
import { FUND_SOURCES } from './use-project-list';
import { useLabels } from './use-labels';

/** The dimensions offered (the contract's constants would bring zod along); the api judges them too. */
export const DIMENSIONS: StatDimension[] = [
  'year',
  'department',
  'township',
  'village',
  'fundSource',
  'type',
  'stage',
];
/** What a cell shows; the rest is in its tooltip and in the export. */
export const METRICS = [
  'projects',
  'budgetFen',
  'allocatedFen',
  'disbursedFen',
  'disbursedBasisPoints',
  'overdueProjects',
] as const;
export type Metric = (typeof METRICS)[number];
/** The filters kept in the URL besides the dimensions, named as the project list's. */
const FILTERS = ['year', 'department', 'township', 'village', 'stage', 'type', 'fundSource'] as const;

const oneOf = <T extends string>(list: readonly T[], v: unknown): T | undefined =>
  typeof v === 'string' && (list as readonly string[]).includes(v) ? (v as T) : undefined;

function fromQuery(q: LocationQuery) {
  const str = (k: string) => (typeof q[k] === 'string' && q[k] ? (q[k] as string) : undefined);
  const rows = oneOf(DIMENSIONS, q.rows) ?? 'township';
  const columns = oneOf(DIMENSIONS, q.columns);
  const year = Number(str('year'));
  return {
    rows,
    columns: columns === rows ? undefined : columns,
    metric: oneOf(METRICS, q.metric) ?? 'projects',
    filters: {
      year: Number.isInteger(year) && year > 0 ? year : undefined,
      department: str('department'),
      township: str('township'),
      village: str('village'),
      stage: oneOf(STAGES, q.stage) as Stage | undefined,
      type: str('type'),
      fundSource: oneOf(FUND_SOURCES, q.fundSource),
    },
  };
}

/**
 * The statistics of the URL's dimensions and filters (a link or a reload shows the same table),
 * from GET /api/statistics; each cell links to the project list with its keys added to the filters.
 */
export function useStatistics() {
  const route = useRoute();
  const router = useRouter();
  const labels = useLabels();

  const state = computed(() => fromQuery(route.query));
  const request = computed<StatisticsQuery>(() => ({
    rows: state.value.rows,
    columns: state.value.columns,
    ...state.value.filters,
  }));

  /** Writes the changes into the URL (the table follows it). */
  function setQuery(changes: Record<string, string | number | undefined>) {
    const next: Record<string, string> = {};
    const merged = { ...state.value.filters, ...state.value, ...changes } as Record<string, unknown>;
    for (const k of ['rows', 'columns', 'metric', ...FILTERS])
      if (merged[k] !== undefined && merged[k] !== '') next[k] = String(merged[k]);
    if (next.columns === next.rows) delete next.columns;
    void router.replace({ query: next });
  }

  const {
    data: stats,
    loading,
    error,
    reload,
  } = useLoader(() => statisticsApi.crossTab(request.value), { clearOnError: true });
  // Not while leaving: a cell's link changes the query before this page is gone.
  watch(
    () => JSON.stringify(request.value),
    () => {
      if (route.name === 'statistics') void reload();
    },
    { immediate: true },
  );

  /** The project list of a cell, a row, a column or the total: the filters plus the keys given. */
  function drill(keys: Partial<Record<StatDimension, string>>): RouteLocationRaw {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...state.value.filters, ...keys }))
      if (v !== undefined && v !== '') query[k] = String(v);
    return { name: 'projects', query };
  }

  /** A member's label in the console's language (stages and fund sources are translated here). */
  function labelOf(d: StatDimension, m: { key: string; label: string }): string {
    if (d === 'stage') return labels.stage(m.key as Stage);
    if (d === 'fundSource') return labels.fundSource(m.key as (typeof FUND_SOURCES)[number]);
    return m.label;
  }

  const cellOf = computed(() => {
    const map = new Map<string, StatFigures>();
    for (const c of stats.value?.cells ?? []) map.set(`${c.row}\u0000${c.column}`, c);
    return (row: string, column: string) => map.get(`${row}\u0000${column}`);
  });

  const exportUrl = computed(() => statisticsApi.exportUrl(request.value));

  return { state, stats, loading, error, setQuery, drill, labelOf, cellOf, exportUrl };
}
