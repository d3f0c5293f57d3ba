/**
 * A project's file made complete the way its units would: the three ledgers filled as far as a
 * stage, and every required archive document (建档清单) of the stages up to it uploaded, through
 * the same services the api uses. The acceptance gate (验收) asks for both up to 竣工, so the demo
 * seed, the benchmarks and the tests call this before they inspect a project.
 */
import type { Caller } from '#api/http.js';
import { createArchiveRepository } from '#api/modules/archives/repository.js';
import { createArchiveService } from '#api/modules/archives/service.js';
import type { ArchiveStorage } from '#api/modules/archives/storage.js';
import { createLedgerRepository } from '#api/modules/ledgers/repository.js';
import { createLedgerService } from '#api/modules/ledgers/service.js';
import { createLedgerRecorders } from '#api/modules/ledgers/write-service.js';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import type { Stage } from '#domain/lifecycle.js';
import type { Logger } from '#platform/log.js';
import { fillTypicalLedgers, uploadRequiredArchives, type FillOptions } from './typical-ledgers.js';

/** The caller of a demo account (its unit, roles and name), as the api would build it. */
export async function callerFor(orm: Orm, username: string): Promise<Caller> {
  const rows = await orm.em
    .fork()
    .execute<
      { id: string; display_name: string; org_id: string; kind: Caller['orgKind']; roles: Caller['roles'] }[]
    >(
      `SELECT u.id, u.display_name, o.id AS org_id, o.kind,
            COALESCE((SELECT array_agg(r.role) FROM user_role r WHERE r.user_id = u.id), '{}') AS roles
       FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.username = ?`,
      [username],
      'all',
    );
  const r = rows[0];
  if (!r) throw new Error(`demo account ${username} is missing`);
  return {
    orgUnitId: r.org_id,
    orgKind: r.kind,
    roles: r.roles,
    actor: { id: r.id, username, name: r.display_name },
  };
}

export interface FileCompleterDeps {
  orm: Orm;
  audit: AuditLog;
  storage: ArchiveStorage;
  log: Logger;
}

export function createFileCompleter(deps: FileCompleterDeps) {
  const repo = createProjectRepository(deps.orm);
  const ledgerRepo = createLedgerRepository(deps.orm);
  const ledgers = createLedgerService({ repo: ledgerRepo, projects: repo });
  const recorders = createLedgerRecorders({
    orm: deps.orm,
    repo: ledgerRepo,
    projects: repo,
    audit: deps.audit,
    ledgers,
  });
  const archives = createArchiveService({
    orm: deps.orm,
    repo: createArchiveRepository(deps.orm),
    audit: deps.audit,
    ledgers,
    storage: deps.storage,
    maxBytes: 1024 * 1024,
    log: deps.log,
  });
  const callers = new Map<string, Promise<Caller>>();
  const caller = (username: string) => {
    if (!callers.has(username)) callers.set(username, callerFor(deps.orm, username));
    return callers.get(username)!;
  };

  return {
    /**
     * Fills the ledgers of project `idOrCode` with the entries due up to `upTo` (skipping those of
     * stages up to `opts.after`, written by an earlier call) and uploads the required documents of
     * the stages up to `upTo`. Each entry is written by its own level's operator account.
     */
    async complete(
      idOrCode: string,
      upTo: Stage = 'completed',
      opts: FillOptions & { seed?: number; withoutArchives?: readonly string[] } = {},
    ) {
      const p = await repo.find(await caller('leader'), idOrCode);
      if (!p) throw new Error(`project ${idOrCode} not found`);
      const who = {
        department: await caller(`${p.department.code}.op`),
        owner: await caller(`${p.ownerUnit.code}.op`),
        village: await caller(`${p.villages[0]!.code}.op`),
      };
      await fillTypicalLedgers(ledgers, recorders, who, { ...p, stage: upTo }, opts.seed ?? 1, opts);
      await uploadRequiredArchives(archives, who, p, upTo, opts.withoutArchives);
    },
  };
}

export type FileCompleter = ReturnType<typeof createFileCompleter>;
