/**
 * The demo supervision work (rectification notices, complaints) through the api's services, over
 * the small demo county: each ends where the seed's data says, each unit sees its own over HTTP,
 * a villager finds the closed complaint's answer by its receipt, and a second run makes no request.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { DEMO_UNIT_HEADS } from '#db/seed/demo-county.js';
import { DEMO_COMPLAINTS, DEMO_OFFICE_MONTH, DEMO_RECTIFICATIONS } from '#db/seed/demo-supervision.js';
import { cstMonth, previousMonth } from '#domain/deadlines.js';
import { createLogger } from '#platform/log.js';
import { seedDemoSupervision } from '#scripts/lib/demo-seed.js';
import { seedSmallCounty } from '../support/dashboard-figures.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let codeOf: (code: string) => string;
// The month just over: the seed fills in the office's work of that month.
const month = previousMonth(cstMonth(Date.now()));
beforeAll(async () => {
  stack = await startTestStack();
  codeOf = await seedSmallCounty(stack);
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

// Receipts are workflow ids on the Temporal server the test files share: a key of this file's own.
const secret = crypto.randomBytes(32);
const run = () =>
  seedDemoSupervision({
    orm: stack.orm,
    audit: stack.audit,
    temporal: stack.client,
    taskQueue: stack.taskQueue,
    log: createLogger('seed-test', 'warn'),
    storage: createFsArchiveStorage(path.join(stack.dataDir, 'archives')),
    secret,
    codeOf,
  });

describe('the demo supervision work', () => {
  it('issues the notices and files the complaints, each as far as the data says; a second run makes no request', async () => {
    const steps =
      DEMO_RECTIFICATIONS.reduce((n, r) => n + 1 + r.steps.length, 0) +
      DEMO_COMPLAINTS.reduce((n, c) => n + 1 + c.steps.length, 0) +
      // The office's month: a talk, a listing, the negative list published.
      3;
    expect(await run()).toBe(steps);

    const office = await Session.login(stack.baseUrl, 'supervisor');
    const notices = (await office.get('/api/rectifications?pageSize=100')).body.items;
    const byTitle = new Map<string, { id: string; status: string }>(
      notices.map((n: { id: string; title: string; status: string }) => [n.title, n]),
    );
    expect(notices.length).toBe(DEMO_RECTIFICATIONS.length);
    // Partly answered and accepted (open), answered and waiting for the office (open), all accepted (closed).
    const problemStatuses = async (title: string) =>
      (await office.get(`/api/rectifications/${byTitle.get(title)!.id}`)).body.problems.map(
        (p: { status: string }) => p.status,
      );
    const [xqz, swj, mbz] = DEMO_RECTIFICATIONS.map((r) => r.title) as [string, string, string];
    expect(await problemStatuses(xqz)).toEqual(['accepted', 'open']);
    expect(await problemStatuses(swj)).toEqual(['answered']);
    expect(await problemStatuses(mbz)).toEqual(['accepted']);
    expect([xqz, swj, mbz].map((t) => byTitle.get(t)!.status)).toEqual(['open', 'open', 'closed']);
    // About the demo projects of this database.
    const about = (await office.get(`/api/rectifications/${byTitle.get(xqz)!.id}`)).body.problems.map(
      (p: { project: { code: string } }) => p.project.code,
    );
    expect(about).toEqual([codeOf('CK2026-004'), codeOf('CK2026-005')]);

    const complaints = (await office.get('/api/complaints?pageSize=100')).body.items;
    expect(
      complaints
        .map((c: { status: string; unit: { code: string } | null }) => [c.status, c.unit?.code ?? null])
        .sort(),
    ).toEqual([
      ['assigned', 'mbz'],
      ['closed', 'xqz'],
      ['submitted', null],
    ]);

    // Each unit sees what is addressed to it.
    const town = await Session.login(stack.baseUrl, 'xqz.op');
    expect((await town.get('/api/rectifications')).body.items.map((n: { title: string }) => n.title)).toEqual(
      [xqz],
    );
    expect((await town.get('/api/complaints')).body.items.map((c: { status: string }) => c.status)).toEqual([
      'closed',
    ]);
    // The villager's view of the closed one: the office's public answer, by the receipt.
    const closed = complaints.find((c: { status: string }) => c.status === 'closed');
    const receipt = (await office.get(`/api/complaints/${closed.id}`)).body.receipt as string;
    const lookup = await fetch(`${stack.baseUrl}/public/api/complaints/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ receipt }),
    });
    expect(lookup.status).toBe(200);
    expect(((await lookup.json()) as { publicAnswer: string }).publicAnswer).toContain(
      '已责令施工单位返工整改',
    );

    // Again: nothing is asked twice, nothing changes.
    const count = async () =>
      (
        await stack.db.query(
          `SELECT (SELECT count(*) FROM rectification_notice)::int AS notices,
                  (SELECT count(*) FROM complaint)::int AS complaints,
                  (SELECT count(*) FROM interview_record)::int AS talks,
                  (SELECT count(*) FROM negative_list_entry)::int AS listed,
                  (SELECT count(*) FROM audit_log)::int AS audit`,
        )
      ).rows[0];
    const before = await count();
    expect(await run()).toBe(0);
    expect(await count()).toEqual(before);
  });

  it('leaves the office a month just over with a talk held and its negative list published', async () => {
    // The seed ran in the test above.
    const { talk, listing } = DEMO_OFFICE_MONTH;
    const office = await Session.login(stack.baseUrl, 'supervisor');
    const talks = (await office.get('/api/interviews')).body.items;
    expect(talks).toHaveLength(1);
    expect(talks[0].heldAt.slice(0, 10)).toBe(`${month}-${talk.day}`);
    expect(talks[0].subjects.map((s: { name: string }) => s.name)).toEqual([DEMO_UNIT_HEADS.swj]);

    // The month's negative list is published, for every account to read, with the unit listed by
    // hand in it (whatever was listed this month is not).
    const swj = await Session.login(stack.baseUrl, 'swj.op');
    const publications = (await swj.get('/api/negative-list/publications')).body.items;
    expect(publications.map((p: { month: string }) => p.month)).toEqual([month]);
    const entries = (await swj.get(`/api/negative-list/publications/${month}`)).body.entries;
    expect(
      entries.map((e: { unit: { name: string }; leaderName: string; listedOn: string }) => [
        e.unit.name,
        e.leaderName,
        e.listedOn,
      ]),
    ).toEqual([['县水务局', DEMO_UNIT_HEADS.swj, `${month}-${listing.day}`]]);
  });
});
