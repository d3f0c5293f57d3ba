/**
 * The demo county's notices, policies and thread (db/seed/demo-bulletin.ts), written through the
 * same services the api uses (audited, scoped). Safe to run again and to resume: each item is
 * looked for first, as its author sees it, and written only when missing.
 */
import { createAttachmentRepository } from '#api/modules/attachments/repository.js';
import { createAttachmentService } from '#api/modules/attachments/service.js';
import type { ArchiveStorage } from '#api/modules/archives/storage.js';
import { createMessageRepository } from '#api/modules/messages/repository.js';
import { createMessageService } from '#api/modules/messages/service.js';
import { createNoticeRepository } from '#api/modules/notices/repository.js';
import { createNoticeService } from '#api/modules/notices/service.js';
import { createPolicyRepository } from '#api/modules/policies/repository.js';
import { createPolicyService } from '#api/modules/policies/service.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { DEMO_NOTICES, DEMO_POLICIES, DEMO_THREAD } from '#db/seed/demo-bulletin.js';
import type { Logger } from '#platform/log.js';
import { callerFor } from './project-file.js';

export interface SeedBulletinDeps {
  orm: Orm;
  audit: AuditLog;
  storage: ArchiveStorage;
  log: Logger;
}

/** Answers how many items it wrote (0 on a second run). */
export async function seedDemoBulletin(deps: SeedBulletinDeps): Promise<number> {
  const { orm, audit } = deps;
  // The demo writes no attachments; the service is there because the writers claim none.
  const attachments = createAttachmentService({
    orm,
    repo: createAttachmentRepository(orm),
    audit,
    log: deps.log,
    storage: deps.storage,
    maxBytes: 1,
  });
  const common = { orm, audit, attachments };
  const notices = createNoticeService({ ...common, repo: createNoticeRepository(orm) });
  const policies = createPolicyService({ ...common, repo: createPolicyRepository(orm) });
  const threads = createMessageService({ ...common, repo: createMessageRepository(orm) });
  let written = 0;

  for (const n of DEMO_NOTICES) {
    const caller = await callerFor(orm, n.author);
    const seen = await notices.list(caller, { page: 1, pageSize: 100 });
    if (seen.items.some((i) => i.title === n.title)) continue;
    const { author: _author, ...input } = n;
    await notices.publish(caller, { ...input, attachmentIds: [] });
    written++;
  }

  const office = await callerFor(orm, 'tpgjb.op');
  for (const p of DEMO_POLICIES) {
    const seen = await policies.list(office, { q: p.title, page: 1, pageSize: 100 });
    if (seen.items.some((i) => i.title === p.title)) continue;
    await policies.create(office, { ...p, effectiveOn: null, attachmentIds: [] });
    written++;
  }

  // The thread and its answer: a run stopped between the two adds only the answer.
  const from = await callerFor(orm, DEMO_THREAD.from);
  let thread = (await threads.list(from, 1, 100)).items.find((t) => t.subject === DEMO_THREAD.subject);
  if (!thread) {
    thread = await threads.create(from, {
      subject: DEMO_THREAD.subject,
      unitCodes: DEMO_THREAD.to,
      body: DEMO_THREAD.body,
      attachmentIds: [],
    });
    written++;
  }
  if (thread.messageCount < 2) {
    const answerer = await callerFor(orm, DEMO_THREAD.answer.from);
    await threads.markRead(answerer, thread.id);
    await threads.post(answerer, thread.id, { body: DEMO_THREAD.answer.body, attachmentIds: [] });
    written++;
  }
  if (written) deps.log.info(`demo bulletin: ${written} notices, policies and threads written`);
  return written;
}
