import { computed } from 'vue';
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

/** File sizes as people read them. */
export const fileSize = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.ceil(n / 1024))} KB`;
