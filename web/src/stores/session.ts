import { defineStore } from 'pinia';
import { ref } from 'vue';
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

  async function login(username: string, password: string) {
    me.value = await api.login(username, password);
    checked.value = true;
  }

  async function logout() {
    await api.logout().catch(() => undefined);
    me.value = null;
  }

  return { me, checked, load, login, logout };
});
