import { onBeforeUnmount, onMounted, watch } from 'vue';
import { useRoute } from 'vue-router';
import { useInboxStore } from '../stores/inbox';

/** How often the unread count is asked for while the tab is visible. */
export const INBOX_POLL_MS = 60_000;

/**
 * Keeps the bell's unread count fresh, gently: once a minute while the tab is visible, on every
 * route change, and at once when the tab comes back; never while it is hidden (a console left
 * open in a background tab all day costs the api nothing).
 */
export function useInboxPolling() {
  const inbox = useInboxStore();
  const route = useRoute();
  let timer: ReturnType<typeof setInterval> | undefined;

  // A failed poll (offline, session ended) waits for the next one; the router handles a lost session.
  const tick = () => void inbox.refreshCount().catch(() => undefined);
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const start = () => {
    stop();
    if (!document.hidden) timer = setInterval(tick, INBOX_POLL_MS);
  };
  const onVisibility = () => {
    if (document.hidden) return stop();
    tick();
    start();
  };

  onMounted(() => {
    tick();
    start();
    document.addEventListener('visibilitychange', onVisibility);
  });
  onBeforeUnmount(() => {
    stop();
    document.removeEventListener('visibilitychange', onVisibility);
  });
  watch(
    () => route.path,
    () => {
      if (!document.hidden) tick();
    },
  );
}
