import { onBeforeUnmount, ref } from 'vue';

/** The demo county's seed as /readyz reports it (api/src/modules/health): none, seeding or done. */
export type DemoSeed = { state: 'none' | 'done' } | { state: 'seeding'; done: number; total: number };

/**
 * Whether this server's data is the demo county, and while it is still being seeded how far it got:
 * asked again every few seconds while seeding, so the notice counts up and goes away by itself.
 * /readyz answers 503 while a part of the stack is down; its body still carries the seed.
 */
/** `pollMs` 0: ask once. */
export function useDemoSeed(pollMs = 5000) {
  const seed = ref<DemoSeed | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  async function load() {
    try {
      const res = await fetch('/readyz', { headers: { accept: 'application/json' } });
      const body = (await res.json()) as { demoSeed?: DemoSeed };
      if (body.demoSeed) seed.value = body.demoSeed;
    } catch {
      // No answer: say nothing rather than guess.
    }
    if (!stopped && pollMs > 0 && seed.value?.state === 'seeding')
      timer = setTimeout(() => void load(), pollMs);
  }
  void load();
  onBeforeUnmount(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return seed;
}
