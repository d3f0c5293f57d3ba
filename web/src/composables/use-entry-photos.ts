import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { Stage } from '@domain/lifecycle';
import { api, type ArchiveRequirement, type LedgersDto } from '../api/client';
import { photoFiling } from './use-archive-stage';
import { usePhotoQueue } from './use-photo-queue';

/**
 * The photos of a site-ledger entry taken on the phone: queued while the entry is typed, then
 * uploaded as archive documents linked to the entry the write created (its `written.id`, never an
 * entry found by comparing ledgers: another village may record an identical one meanwhile).
 */
export function useEntryPhotos(opts: {
  projectId: () => string;
  /** The checklist item the photos are filed under (监督检查照片 `supervisionPhoto`, …). */
  item: string;
  requirements: () => readonly ArchiveRequirement[];
  stage: () => Stage;
}) {
  const { t } = useI18n();
  const queue = usePhotoQueue();
  /** The entry whose photos are still to be sent (after a failed upload, "retry" sends the rest). */
  const pendingEntry = ref<string | null>(null);

  /**
   * Uploads the photos not yet sent as documents of the entry; answers how many went and failed,
   * and the ledgers read again when there were photos (the write's answer predates their links).
   */
  async function attach(entryId: string): Promise<{ sent: number; failed: number; ledgers?: LedgersDto }> {
    const total = queue.photos.value.length;
    let failed = 0;
    if (total) {
      const filing = photoFiling(opts.requirements(), opts.item, opts.stage());
      failed = await queue.send(
        (file) =>
          api.uploadArchive(
            opts.projectId(),
            { ledger: 'site', ...filing, entryId },
            file,
            file.name || 'photo.jpg',
          ),
        t('errors.generic'),
      );
    }
    const ledgers = total ? await api.ledgers(opts.projectId()) : undefined;
    pendingEntry.value = failed ? entryId : null;
    if (!failed) queue.clear();
    return { sent: total - failed, failed, ledgers };
  }

  /** Drops the photos and the entry still waiting for some (the user turned to another flow). */
  function reset() {
    queue.clear();
    pendingEntry.value = null;
  }

  return { photos: queue.photos, add: queue.add, remove: queue.remove, pendingEntry, attach, reset };
}
