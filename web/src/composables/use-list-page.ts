/**
 * What every list page shares: its filters and page in the URL (a link or the back button shows
 * the same list), the page of rows loaded again whenever they change, and for the short lists the
 * api answers whole, the same pages cut in the browser. The search form above a list is
 * SearchForm.vue; the pager under it ListPager.vue.
 */
import { computed, ref, watch, type Ref, type WatchSource } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';

/** The page sizes every list offers; 20 rows unless the URL says otherwise. */
export const PAGE_SIZES = [10, 20, 50, 100];
export const DEFAULT_PAGE_SIZE = 20;
export type PagePatch = { page?: number; pageSize?: number };

/** The page size in a URL's query, if it is one of the sizes offered. */
export function pageSizeOf(v: unknown): number {
  const n = Number(v);
  return PAGE_SIZES.includes(n) ? n : DEFAULT_PAGE_SIZE;
}
export function pageOf(v: unknown): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * A list's filters and page live in the URL. Only the keys named are kept; a change of anything
 * but the page goes back to page 1.
 */
export function useListQuery<K extends string>(keys: readonly K[]) {
  const route = useRoute();
  const router = useRouter();
  const read = (q: LocationQuery) => {
    const str = (k: string) => (typeof q[k] === 'string' && q[k] ? (q[k] as string) : undefined);
    const filters = Object.fromEntries(keys.map((k) => [k, str(k)])) as Record<K, string | undefined>;
    return { filters, page: pageOf(str('page')), pageSize: pageSizeOf(str('pageSize')) };
  };
  const state = computed(() => read(route.query));
  function set(changes: Partial<Record<K, string | undefined>> & PagePatch) {
    const merged = { ...state.value.filters, page: 1, pageSize: state.value.pageSize, ...changes };
    const next: Record<string, string> = {};
    for (const k of keys) {
      const v = merged[k];
      if (v) next[k] = v;
    }
    if (merged.page > 1) next.page = String(merged.page);
    if (merged.pageSize !== DEFAULT_PAGE_SIZE) next.pageSize = String(merged.pageSize);
    void router.replace({ query: next });
  }
  /** 搜索: the search form's values for this list's keys, from page 1. */
  const search = (values: Partial<Record<string, string | undefined>>) =>
    set(Object.fromEntries(keys.map((k) => [k, values[k]])) as Partial<Record<K, string | undefined>>);
  const reset = () => void router.replace({ query: {} });
  return { state, set, search, reset, fullPath: computed(() => route.fullPath) };
}

export interface ListQueryState<K extends string> {
  filters: Record<K, string | undefined>;
  page: number;
  pageSize: number;
}

/**
 * An answer loaded again on demand; a slower answer to an older request is dropped. Every page
 * loads its data through this: the lists below, the dashboard's figures, the statistics.
 * `clearOnError`: a failed load shows no answer rather than the last one (figures of another year
 * under the year now chosen would mislead); a list keeps its rows.
 */
export function useLoader<R>(fetch: () => Promise<R>, opts: { clearOnError?: boolean } = {}) {
  const { t } = useI18n();
  const data = ref<R | null>(null) as Ref<R | null>;
  const loading = ref(false);
  const error = ref('');
  let seq = 0;
  async function reload() {
    const mine = ++seq;
    loading.value = true;
    error.value = '';
    try {
      const res = await fetch();
      if (mine === seq) data.value = res;
    } catch (err) {
      if (mine !== seq) return;
      if (opts.clearOnError) data.value = null;
      error.value = err instanceof Error ? err.message : t('errors.load');
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  return { data, loading, error, reload };
}

/**
 * A server-paged list: the URL's filters and page, the rows and total the api answers for them,
 * loaded again whenever the URL changes (`reloadOn` picks what in the URL counts, e.g. not the id
 * of a drawer opened over the list). `answer` is the whole answer, for what a list says besides
 * its rows (an unread count).
 */
export function useListPage<K extends string, R extends { items: unknown[]; total: number }>(
  keys: readonly K[],
  fetch: (q: ListQueryState<K>) => Promise<R>,
  opts: { reloadOn?: (fullPath: string) => string } = {},
) {
  const query = useListQuery(keys);
  const { data: answer, loading, error, reload } = useLoader(() => fetch(query.state.value));
  watch(() => (opts.reloadOn ? opts.reloadOn(query.fullPath.value) : query.fullPath.value), reload, {
    immediate: true,
  });
  const items = computed(() => (answer.value?.items ?? []) as R['items']);
  const total = computed(() => answer.value?.total ?? 0);
  return { ...query, items, total, answer, loading, error, reload };
}

/**
 * A list the api answers whole for its filters (a few dozen rows at most): filters and page in the
 * URL as for any list, the page cut here. Loaded again only when the filters change.
 */
export function useWholeListPage<K extends string, R extends { items: unknown[] }>(
  keys: readonly K[],
  fetch: (filters: Record<K, string | undefined>) => Promise<R>,
) {
  type Row = R['items'][number];
  const query = useListQuery(keys);
  const { data: answer, loading, error, reload } = useLoader(() => fetch(query.state.value.filters));
  watch(() => JSON.stringify(query.state.value.filters), reload, { immediate: true });
  const all = computed(() => (answer.value?.items ?? []) as Row[]);
  const items = computed(() => {
    const { page, pageSize } = query.state.value;
    return all.value.slice((page - 1) * pageSize, page * pageSize);
  });
  return { ...query, items, total: computed(() => all.value.length), answer, loading, error, reload };
}

/**
 * The pages of a list the api answers whole (a project's alerts, a month's ranking): cut here, the
 * same pager under it. Back to page 1 when `resetOn` changes (by default: a new list).
 */
export function useLocalPages<T>(rows: Readonly<Ref<readonly T[]>>, opts: { resetOn?: WatchSource } = {}) {
  const page = ref(1);
  const pageSize = ref(DEFAULT_PAGE_SIZE);
  const shown = computed(() =>
    rows.value.slice((page.value - 1) * pageSize.value, page.value * pageSize.value),
  );
  watch(opts.resetOn ?? rows, () => (page.value = 1));
  function change(p: PagePatch) {
    if (p.pageSize && p.pageSize !== pageSize.value) {
      pageSize.value = p.pageSize;
      page.value = 1;
    } else if (p.page) page.value = p.page;
  }
  return { page, pageSize, shown, total: computed(() => rows.value.length), change };
}
