import { computed, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { api } from '../api/client';
import { useLoader } from './use-list-page';

/** The year select's value for "every year" (no `?year=` in the URL). */
export const ALL_YEARS = 0;

/**
 * The dashboard's figures for the year in the URL (`?year=2026`, like the list's filters: a link
 * or a reload shows the same figures). Anything that is not a year reads as every year; the api
 * judges the range. Every figure comes from GET /api/stats/dashboard over the caller's scope.
 */
export function useDashboardStats() {
  const route = useRoute();
  const router = useRouter();

  const year = computed(() => {
    const v = route.query.year;
    return typeof v === 'string' && /^\d{4}$/.test(v) ? Number(v) : undefined;
  });
  /** The years offered: only those the api says have projects in the caller's scope, newest first. */
  const years = computed(() => stats.value?.years ?? []);
  function chooseYear(y: number) {
    const query = { ...route.query };
    if (y === ALL_YEARS) delete query.year;
    else query.year = String(y);
    void router.replace({ query });
  }

  // No figures rather than another year's under the year now chosen.
  const {
    data: stats,
    loading,
    error,
    reload,
  } = useLoader(() => api.dashboardStats({ year: year.value }), { clearOnError: true });
  // Not while leaving: a link to the list changes the query before this page is gone.
  watch(
    year,
    () => {
      if (route.name === 'dashboard') void reload();
    },
    { immediate: true },
  );

  return { stats, loading, error, year, years, chooseYear };
}
