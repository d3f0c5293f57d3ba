import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, type InboxMessageDto } from '../api/client';

/** How many of the newest messages the bell's dropdown shows. */
export const LATEST = 5;

/**
 * The signed-in account's inbox as the header's bell and the inbox page share it: the unread
 * count and the newest few. Marking a message anywhere updates both.
 */
export const useInboxStore = defineStore('inbox', () => {
  const unread = ref(0);
  const latest = ref<InboxMessageDto[]>([]);

  async function refreshCount(): Promise<void> {
    unread.value = (await api.inboxUnread()).unread;
  }

  async function loadLatest(): Promise<void> {
    const page = await api.inbox({ pageSize: LATEST });
    latest.value = page.items;
    unread.value = page.unread;
  }

  /** Replaces the message where the dropdown shows it, after the api marked it. */
  function replace(m: InboxMessageDto) {
    latest.value = latest.value.map((x) => (x.id === m.id ? m : x));
  }

  async function setRead(m: InboxMessageDto, read: boolean): Promise<InboxMessageDto> {
    const was = m.readAt !== null;
    const next = read ? await api.markRead(m.id) : await api.markUnread(m.id);
    replace(next);
    // The count moves by this one message; the next poll corrects anything that arrived meanwhile.
    if (was !== read) unread.value = Math.max(0, unread.value + (read ? -1 : 1));
    return next;
  }

  async function readAll(): Promise<void> {
    unread.value = (await api.markAllRead()).unread;
    const now = new Date().toISOString();
    latest.value = latest.value.map((m) => (m.readAt ? m : { ...m, readAt: now }));
  }

  function clear() {
    unread.value = 0;
    latest.value = [];
  }

  return { unread, latest, refreshCount, loadLatest, setRead, readAll, clear };
});
