import { computed } from 'vue';
import { isSupervisionOffice } from '@domain/rectification-schemas';
import { principalOf } from '../../composables/use-permissions';
import { useSessionStore } from '../../stores/session';

/** Whether the account is the supervision office's (the api's own rule): it writes talks and the list. */
export function useSupervisionOffice() {
  const session = useSessionStore();
  return computed(() => (session.me ? isSupervisionOffice(principalOf(session.me)) : false));
}
