import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { MeDto } from '@domain/schemas';
import { ApiError, api } from '../api/client';

export const useSessionStore = defineStore('session', () => {
  const me = ref<MeDto | null>(null);
  const checked = ref(false);

  async function load(): Promise<MeDto | null> {
    try {
      me.value = await api.me();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
      me.value = null;
    }
    checked.value = true;
    return me.value;
  }

  /** Throws the api's ApiError; a 401 with `info.totpRequired` asks for the two-factor code. */
  async function login(username: string, password: string, totp?: string) {
    me.value = await api.login(username, password, totp);
    checked.value = true;
  }

  /** After a password change or 2FA change the api answers with the account as it now is. */
  function set(next: MeDto) {
    me.value = next;
    checked.value = true;
  }

  /** Leaves nothing of the account in the tab: its field drafts and kept keys go with it. */
  async function logout() {
    await api.logout().catch(() => undefined);
    me.value = null;
    try {
      sessionStorage.clear();
    } catch {
      // Storage refused: there was nothing kept in it.
    }
  }

  /** What the session must do before anything else: change its password or set up 2FA. */
  const restriction = computed(() => me.value?.restriction ?? null);
  const isAdmin = computed(() => me.value?.roles.includes('admin') ?? false);

  return { me, checked, restriction, isAdmin, load, login, set, logout };
});
