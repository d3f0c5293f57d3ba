import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, type OrgUnitDto } from '../api/client';

/** The org tree from GET /api/orgs, loaded once per session (it changes rarely). */
export const useOrgsStore = defineStore('orgs', () => {
  const items = ref<OrgUnitDto[]>([]);
  let loading: Promise<void> | null = null;

  function load(): Promise<void> {
    loading ??= api
      .orgs()
      .then((r) => {
        items.value = r.items;
      })
      .catch((err: unknown) => {
        loading = null;
        throw err;
      });
    return loading;
  }

  /** After an administrator creates or renames a unit. */
  function reload(): Promise<void> {
    loading = null;
    return load();
  }

  const ofKind = (kind: OrgUnitDto['kind']) => computed(() => items.value.filter((o) => o.kind === kind));
  const departments = ofKind('department');
  const townships = ofKind('township');
  const villages = ofKind('village');
  const nameOf = (code: string) => items.value.find((o) => o.code === code)?.name ?? code;

  return { items, load, reload, departments, townships, villages, nameOf };
});
