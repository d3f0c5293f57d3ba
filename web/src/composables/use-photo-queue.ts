import { onBeforeUnmount, ref } from 'vue';

export interface QueuedPhoto {
  file: File;
  /** An object URL for the thumbnail, revoked when the photo leaves the queue. */
  url: string;
  state: 'waiting' | 'sending' | 'done' | 'failed';
  error?: string;
}

/**
 * Photos taken on site, waiting to be uploaded one by one. A photo that was sent stays `done`, so
 * that sending again (after some failed) sends only the rest.
 */
export function usePhotoQueue() {
  const photos = ref<QueuedPhoto[]>([]);

  function add(files: Iterable<File>) {
    for (const file of files) photos.value.push({ file, url: URL.createObjectURL(file), state: 'waiting' });
  }
  function remove(i: number) {
    const [gone] = photos.value.splice(i, 1);
    if (gone) URL.revokeObjectURL(gone.url);
  }
  function clear() {
    photos.value.forEach((p) => URL.revokeObjectURL(p.url));
    photos.value = [];
  }
  // Leaving, only the thumbnails' URLs are freed: the queue goes with the component, and emptying
  // it would be a change its watchers (the form's draft) take for the person's.
  onBeforeUnmount(() => photos.value.forEach((p) => URL.revokeObjectURL(p.url)));

  /** Sends every photo not yet sent with `upload`; answers how many failed (each keeps its error). */
  async function send(upload: (file: File) => Promise<unknown>, failure: string): Promise<number> {
    let failed = 0;
    for (const p of photos.value) {
      if (p.state === 'done') continue;
      p.state = 'sending';
      try {
        await upload(p.file);
        p.state = 'done';
      } catch (err) {
        p.state = 'failed';
        p.error = err instanceof Error ? err.message : failure;
        failed += 1;
      }
    }
    return failed;
  }

  return { photos, add, remove, clear, send };
}
