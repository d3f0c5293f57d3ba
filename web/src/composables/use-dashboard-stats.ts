import { computed, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { DashboardStatsDto, DashboardUnitKind } from '@domain/schemas';
import type { OrgUnitDto } from '../api/client';
import { api } from '../api/client';
import { useOrgsStore } from '../stores/orgs';
import { useLoader } from './use-list-page';

/** The year select's value for "every year" (no `?year=` in the URL). */
export const ALL_YEARS = 0;
/**
 * The unit select's value for the whole scope (no `?unit=` in the URL). Element Plus takes `''` for
 * no choice at all, so the select says it is not one (`empty-values`), or it would show 请选择.
 */
export const WHOLE_SCOPE = '';

/** The units the dashboard can be narrowed to, in groups of one kind each. */
export interface UnitGroup {
  kind: DashboardUnitKind;
  units: OrgUnitDto[];
}

/**
 * The kinds of unit offered, by the caller's scope: a county-wide account any department, township
 * or village; a department the townships and villages its projects lie in; a township its own
 * villages; a village none (the select is not shown).
 */
const OFFERED: Record<DashboardStatsDto['scope']['kind'], DashboardUnitKind[]> = {
  county: ['department', 'township', 'village'],
  department: ['township', 'village'],
  township: ['village'],
  village: [],
  none: [],
};

/**
 * The dashboard's figures for the year and unit in the URL (`?year=2026&unit=mbz`, like the list's
 * filters: a link or a reload shows the same figures). Anything that is not a year reads as every
 * year; the api judges the range and the unit. Every figure comes from GET /api/stats/dashboard
 * over the caller's scope.
 */
export function useDashboardStats() {
  const route = useRoute();
  const router = useRouter();
  const orgs = useOrgsStore();

  const year = computed(() => {
    const v = route.query.year;
    return typeof v === 'string' && /^\d{4}$/.test(v) ? Number(v) : undefined;
  });
  const unit = computed(() => {
    const v = route.query.unit;
    return typeof v === 'string' && v !== '' ? v : undefined;
  });
  /** The years offered: only those the api says have projects in the caller's scope, newest first. */
  const years = computed(() => stats.value?.years ?? []);
  function choose(key: 'year' | 'unit', value: string | undefined) {
    const query = { ...route.query };
    if (value === undefined) delete query[key];
    else query[key] = value;
    void router.replace({ query });
  }
  const chooseYear = (y: number) => choose('year', y === ALL_YEARS ? undefined : String(y));
  const chooseUnit = (code: string) => choose('unit', code === WHOLE_SCOPE ? undefined : code);

  /** The units offered (OFFERED), in groups of one kind; a township's villages are its own. */
  const unitGroups = computed((): UnitGroup[] => {
    const scope = stats.value?.scope;
    if (!scope) return [];
    const unitsOf = (kind: DashboardUnitKind) =>
      orgs.items.filter(
        (o) => o.kind === kind && (scope.kind !== 'township' || o.parentCode === scope.unit.code),
      );
    return OFFERED[scope.kind].map((kind) => ({ kind, units: unitsOf(kind) })).filter((g) => g.units.length);
  });

  /** The project list's filters for what is shown: the year, and the unit by its kind's filter. */
  const listFilter = computed((): Record<string, string> => {
    const s = stats.value;
    if (!s) return {};
    return {
      ...(s.year ? { year: String(s.year) } : {}),
      ...(s.unit ? { [s.unit.kind]: s.unit.code } : {}),
    };
  });

  // No figures rather than another year's or unit's under the one now chosen.
  const {
    data: stats,
    loading,
    error,
    reload,
  } = useLoader(() => api.dashboardStats({ year: year.value, unit: unit.value }), { clearOnError: true });
  // Not while leaving: a link to the list changes the query before this page is gone.
  watch(
    [year, unit],
    () => {
      if (route.name === 'dashboard') void reload();
    },
    { immediate: true },
  );

  return { stats, loading, error, year, years, chooseYear, unit, unitGroups, chooseUnit, listFilter };
}
