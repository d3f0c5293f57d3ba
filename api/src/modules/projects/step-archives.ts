/**
 * The files a step attaches are archive documents of the same project, uploaded first through the
 * archive upload (which checked their type and recorded their SHA-256). Checked before the Update,
 * as the acceptance gate is: a step naming a file of another project, or no file at all, is
 * refused and leaves no trace. Archive documents are append-only, so a file found here stays.
 */
import type { Principal } from '#domain/access.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';
import { invalidFields } from '../../http.js';

export async function assertStepArchives(
  orm: Orm,
  caller: Principal,
  projectId: string,
  ids: readonly string[] | undefined,
): Promise<void> {
  if (!ids?.length) return;
  // In the caller's scope: a document it cannot read is, to it, no document.
  const [rows] = await queryInScope(orm, scopeOf(caller), [
    {
      sql: 'SELECT id FROM archive_document WHERE project_id = ? AND id = ANY(ARRAY[?]::uuid[])',
      params: [projectId, [...ids]],
    },
  ]);
  const found = new Set((rows as { id: string }[]).map((r) => r.id));
  const bad = ids
    .map((id, i) => ({ id, i }))
    .filter(({ id }) => !found.has(id))
    .map(({ i }) => ({
      path: `body.archiveIds.${i}`,
      message: '不是本项目的档案资料 (not an archive document of this project)',
    }));
  if (bad.length) throw invalidFields(bad);
}
