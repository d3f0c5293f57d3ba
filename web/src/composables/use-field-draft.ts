import { ref, watch, type Ref } from 'vue';
import { useSessionStore } from '../stores/session';

/**
 * What a field form holds, kept in the tab's sessionStorage: a phone that reloads the page, or
 * drops it while the camera is open, gives back what was typed and which saved entry still waits
 * for photos. Sent again after a reload, the same form is the same request (api/client.ts keeps
 * the key of a request whose answer was lost), so nothing is recorded twice. Photos are not kept:
 * they are chosen again, and the same photo is the same upload.
 *
 * Only what the person typed is kept, from their first change, and it is dropped once the form is
 * sent in full. sessionStorage ends with the tab, so a draft does not outlive it.
 */
/** What a draft given back says: typed text only, typed text whose photos are gone, or a saved entry waiting for its photos. */
export type DraftHint = 'typed' | 'typedPhotos' | 'photos';

export function useFieldDraft<T extends object>(opts: {
  flow: 'visit' | 'notice';
  projectId: () => string;
  values: T;
  pendingEntry: Ref<string | null>;
  /** How many photos are chosen: they are not kept, and the hint says so only when there were some. */
  photoCount: () => number;
}) {
  const { values, pendingEntry } = opts;
  const session = useSessionStore();
  /** One draft per account, project and flow. */
  const key = () => `field-draft:${session.me?.id ?? ''}:${opts.projectId()}:${opts.flow}`;
  /** The draft given back on opening the form: what it says is shown until the next send. */
  const restored = ref<DraftHint | null>(null);
  const read = (): { values: Partial<T>; pendingEntry: string | null; photos?: number } | null => {
    try {
      return JSON.parse(sessionStorage.getItem(key()) ?? 'null');
    } catch {
      return null;
    }
  };
  /** The form as it opens: a draft that holds no more than this (and no photo) is no draft. */
  const untouched = JSON.stringify(values);
  const saved = read();
  if (saved) {
    Object.assign(values, saved.values);
    pendingEntry.value = saved.pendingEntry;
    restored.value = saved.pendingEntry ? 'photos' : (saved.photos ?? 0) > 0 ? 'typedPhotos' : 'typed';
  }
  // Synchronous, so that emptying the form after a send is not saved as a draft of its own.
  let holding = false;
  watch(
    [() => ({ ...values }), pendingEntry, opts.photoCount],
    () => {
      // Logged out: nothing of the account is kept in the tab.
      if (holding || !session.me) return;
      try {
        const draft = { values, pendingEntry: pendingEntry.value, photos: opts.photoCount() };
        if (JSON.stringify(values) === untouched && !draft.pendingEntry && !draft.photos)
          sessionStorage.removeItem(key());
        else sessionStorage.setItem(key(), JSON.stringify(draft));
      } catch {
        // Storage full or refused (private browsing): the form works as before, without a draft.
      }
    },
    { deep: true, flush: 'sync' },
  );

  /** The form was sent in full: it is emptied by `reset`, and no draft is kept of it. */
  function clear(reset: () => void) {
    holding = true;
    try {
      reset();
    } finally {
      holding = false;
    }
    sessionStorage.removeItem(key());
    restored.value = null;
  }

  return { restored, clear };
}
