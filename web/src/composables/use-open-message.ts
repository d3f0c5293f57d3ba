import { useRouter } from 'vue-router';
import type { InboxMessageDto } from '../api/client';
import { useInboxStore } from '../stores/inbox';

/**
 * Opening a message: it is marked read, then the console goes where it leads (the project's page),
 * or to the inbox when it leads nowhere. Answers the message as the api now has it.
 */
export function useOpenMessage() {
  const inbox = useInboxStore();
  const router = useRouter();
  return async (m: InboxMessageDto): Promise<InboxMessageDto> => {
    const read = m.readAt ? m : await inbox.setRead(m, true);
    if (m.link) await router.push(m.link);
    else if (router.currentRoute.value.name !== 'inbox') await router.push({ name: 'inbox' });
    return read;
  };
}
