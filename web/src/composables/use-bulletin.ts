import { computed } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';
import { canPublishBulletin, canWriteMessages } from '@domain/bulletin-schemas';
import { principalOf } from './use-permissions';
import { useSessionStore } from '../stores/session';

/** What the account may do with notices, policies and threads: the api's own rules (docs/bulletin.md). */
export function useBulletinRights() {
  const session = useSessionStore();
  return {
    canPublish: computed(() => (session.me ? canPublishBulletin(principalOf(session.me)) : false)),
    canWrite: computed(() => (session.me ? canWriteMessages(principalOf(session.me)) : false)),
  };
}

export const BULLETIN_PAGE_SIZES = [10, 20, 50];

/**
 * A list's filters and page live in the URL (a link or the back button shows the same list). Only
 * the keys named are kept; a change of anything but the page goes back to page 1.
 */
export function useListQuery<K extends string>(keys: readonly K[], defaultPageSize = 20) {
  const route = useRoute();
  const router = useRouter();
  const read = (q: LocationQuery) => {
    const str = (k: string) => (typeof q[k] === 'string' && q[k] ? (q[k] as string) : undefined);
    const filters = Object.fromEntries(keys.map((k) => [k, str(k)])) as Record<K, string | undefined>;
    const pageSize = Number(str('pageSize'));
    return {
      filters,
      page: Math.max(1, Number(str('page')) || 1),
      pageSize: BULLETIN_PAGE_SIZES.includes(pageSize) ? pageSize : defaultPageSize,
    };
  };
  const state = computed(() => read(route.query));
  function set(changes: Partial<Record<K, string | undefined>> & { page?: number; pageSize?: number }) {
    const merged = { ...state.value.filters, page: 1, pageSize: state.value.pageSize, ...changes };
    const next: Record<string, string> = {};
    for (const k of keys) {
      const v = merged[k];
      if (v) next[k] = v;
    }
    if (merged.page > 1) next.page = String(merged.page);
    if (merged.pageSize !== defaultPageSize) next.pageSize = String(merged.pageSize);
    void router.replace({ query: next });
  }
  const reset = () => void router.replace({ query: {} });
  return { state, set, reset, fullPath: computed(() => route.fullPath) };
}

/** File sizes as people read them. */
export const fileSize = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.ceil(n / 1024))} KB`;
