import { computed, ref, watch } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute, useRouter } from 'vue-router';
import type { DashboardStatsDto } from '@domain/schemas';
import { api } from '../api/client';

/** The year select's value for "every year" (no `?year=` in the URL). */
export const ALL_YEARS = 0;

/**
 * The dashboard's figures for the year in the URL (`?year=2026`, like the list's filters: a link
 * or a reload shows the same figures). Anything that is not a year reads as every year; the api
 * judges the range. Every figure comes from GET /api/stats/dashboard over the caller's scope.
 */
export function useDashboardStats() {
  const { t } = useI18n();
  const route = useRoute();
  const router = useRouter();

  const stats = ref<DashboardStatsDto | null>(null);
  const loading = ref(true);
  const error = ref('');

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

  let seq = 0;
  async function load() {
    const mine = ++seq;
    loading.value = true;
    error.value = '';
    try {
      const res = await api.dashboardStats({ year: year.value });
      if (mine === seq) stats.value = res;
    } catch (err) {
      if (mine !== seq) return;
      // No figures rather than another year's under the year now chosen.
      stats.value = null;
      error.value = err instanceof Error ? err.message : t('errors.load');
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  // Not while leaving: a link to the list changes the query before this page is gone.
  watch(
    year,
    () => {
      if (route.name === 'dashboard') void load();
    },
    { immediate: true },
  );

  return { stats, loading, error, year, years, chooseYear };
}
