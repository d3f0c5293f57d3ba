/**
 * The supervision office's work in the demo county (db/seed/demo-supervision.ts): rectification
 * notices, villagers' complaints and the office's month just over (demo-office-month.ts), through
 * the same services the api uses, so each notice and complaint is a real workflow with its time
 * limits. Safe to run again and to resume: every request carries a fixed idempotency key or is
 * looked for first, a step already recorded is skipped, and a call that may succeed later (a
 * timeout on a busy machine) is retried with backoff.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Caller } from '#api/http.js';
import { updateIdOf, type IdempotentRequest } from '#api/idempotency.js';
import type { ArchiveStorage } from '#api/modules/archives/storage.js';
import { createAttachmentRepository } from '#api/modules/attachments/repository.js';
import { createAttachmentService } from '#api/modules/attachments/service.js';
import { createComplaintRepository } from '#api/modules/complaints/repository.js';
import { complaintRequestId, createComplaintService } from '#api/modules/complaints/service.js';
import { createRectificationRepository } from '#api/modules/rectifications/repository.js';
import { createRectificationService } from '#api/modules/rectifications/service.js';
import { DEFAULT_COMPLAINT_LIMITS } from '#domain/complaint-schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { DEMO_COMPLAINTS, DEMO_RECTIFICATIONS, type DemoComplaint } from '#db/seed/demo-supervision.js';
import type { Logger } from '#platform/log.js';
import { seedOfficeMonth } from './demo-office-month.js';
import { callerFor } from './project-file.js';
import { SEED_RETRY, backoff, describeError, sleep, verdictOf, type RetryPolicy } from './seed-retry.js';

export interface SeedSupervisionDeps {
  orm: Orm;
  audit: AuditLog;
  temporal: Client;
  taskQueue: string;
  storage: ArchiveStorage;
  log: Logger;
  /** The complaints' key (complaintSecret of the audit key): receipts the api would give. */
  secret: Buffer;
  /** As the project seed's: the demo projects' codes in this database. */
  codeOf?: (code: string) => string;
  retry?: RetryPolicy;
}

const sha256 = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/** Answers how many requests it made (0 on a second run). */
export async function seedDemoSupervision(deps: SeedSupervisionDeps): Promise<number> {
  const { orm, temporal, taskQueue } = deps;
  const codeOf = deps.codeOf ?? ((c: string) => c);
  const policy = deps.retry ?? SEED_RETRY;
  const attachments = createAttachmentService({
    orm,
    repo: createAttachmentRepository(orm),
    audit: deps.audit,
    log: deps.log,
    storage: deps.storage,
    maxBytes: 1,
  });
  const rectRepo = createRectificationRepository(orm);
  const rect = createRectificationService({ repo: rectRepo, temporal, taskQueue, orm, attachments });
  const complaintRepo = createComplaintRepository(orm);
  const complaints = createComplaintService({
    repo: complaintRepo,
    temporal,
    taskQueue,
    orm,
    storage: deps.storage,
    attachments,
    // The seed fills its own forms: no wait for a person's typing.
    limits: { ...DEFAULT_COMPLAINT_LIMITS, minFillMs: 0 },
    secret: deps.secret,
  });
  const callers = new Map<string, Promise<Caller>>();
  const caller = (username: string) => {
    if (!callers.has(username)) callers.set(username, callerFor(orm, username));
    return callers.get(username)!;
  };
  const idem = (who: Caller, key: string, route: string, body: unknown): IdempotentRequest => ({
    userId: who.actor.id!,
    key: `demo-seed.${key}`,
    route,
    hash: sha256(body),
  });
  let written = 0;

  async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        const out = await fn();
        written++;
        return out;
      } catch (err) {
        if (verdictOf(err) !== 'retry' || n >= policy.attempts)
          throw new Error(`demo supervision, ${what}: ${describeError(err)}`, { cause: err });
        const wait = backoff(policy, n);
        deps.log.debug(`demo supervision, ${what}: retrying in ${wait} ms (${describeError(err)})`);
        await (policy.sleep ?? sleep)(wait);
      }
    }
  }

  const office = await caller('supervisor');
  for (const r of DEMO_RECTIFICATIONS) {
    const input = {
      unitCode: r.unitCode,
      title: r.title,
      dayCount: r.dayCount,
      problems: r.problems.map((p) => ({ ...p, project: codeOf(p.project) })),
    };
    const issue = idem(office, `${r.key}.issue`, 'post /api/rectifications', input);
    const id =
      (await rectRepo.issuedBy(office, updateIdOf(issue))) ??
      (await attempt(`${r.key}: issue`, () => rect.issue(office, input, issue))).id;
    const problems = (await rect.detail(office, id)).problems;
    for (const [i, s] of r.steps.entries()) {
      const who = await caller(s.by);
      const problemId = String(problems[s.problem]!.id);
      const base = `/api/rectifications/:id/problems/:problemId`;
      if ('answer' in s) {
        const body = { action: s.answer, evidenceIds: [] };
        const key = idem(who, `${r.key}.${i}`, `post ${base}/answer`, body);
        if (await rectRepo.recorded(who, id, updateIdOf(key))) continue;
        await attempt(`${r.key}: answer`, () => rect.answer(who, id, problemId, body, key));
      } else {
        const body = { verdict: 'accept' as const, comment: s.accept };
        const key = idem(who, `${r.key}.${i}`, `post ${base}/verdict`, body);
        if (await rectRepo.recorded(who, id, updateIdOf(key))) continue;
        await attempt(`${r.key}: verdict`, () => rect.verdict(who, id, problemId, body, key));
      }
    }
  }

  for (const c of DEMO_COMPLAINTS) await complaint(c);
  await seedOfficeMonth({ ...deps, attachments, office, codeOf, attempt });
  if (written) deps.log.info(`demo supervision: ${written} requests made`);
  return written;

  async function complaint(c: DemoComplaint): Promise<void> {
    const subject = 'project' in c.subject ? { project: codeOf(c.subject.project) } : c.subject;
    const input = { ...subject, category: c.category, description: c.description, anonymous: true };
    // The service records the submission under this key: a second run finds the first's complaint.
    const requestKey = `demo-seed.${c.key}`;
    const submitted = async () => complaintRepo.byRequest(complaintRequestId(requestKey));
    if (!(await submitted()))
      await attempt(`${c.key}: submit`, () =>
        complaints.submit({ ...input, formToken: complaints.formToken() }, [], requestKey),
      );
    const id = (await submitted())!.id;
    for (const [i, s] of c.steps.entries()) {
      const who = await caller(s.by);
      const key = idem(who, `${c.key}.${i}`, `post /api/complaints/:id/${s.step}`, s);
      if (await complaintRepo.recorded(who, id, updateIdOf(key))) continue;
      const what = `${c.key}: ${s.step}`;
      if (s.step === 'assign') await attempt(what, () => complaints.assign(who, id, s.unitCode, s.note, key));
      else if (s.step === 'handle') await attempt(what, () => complaints.handle(who, id, s.action, [], key));
      else if (s.step === 'answer') await attempt(what, () => complaints.answer(who, id, s.answer, key));
      else await attempt(what, () => complaints[s.step](who, id, s.note, key));
    }
  }
}
