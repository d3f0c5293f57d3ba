/**
 * The demo bulletin (notices, policies, a thread) through the api's services: what it writes is
 * what each unit then sees over HTTP, and a second run writes nothing.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { DEMO_NOTICES, DEMO_POLICIES, DEMO_THREAD } from '#db/seed/demo-bulletin.js';
import { createLogger } from '#platform/log.js';
import { seedDemoBulletin } from '#scripts/lib/demo-seed.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const run = () =>
  seedDemoBulletin({
    orm: stack.orm,
    audit: stack.audit,
    log: createLogger('seed-test', 'warn'),
    storage: createFsArchiveStorage(path.join(stack.dataDir, 'archives')),
  });

describe('the demo bulletin', () => {
  it('writes the notices, policies and an answered thread once; a second run adds nothing', async () => {
    expect(await run()).toBe(DEMO_NOTICES.length + DEMO_POLICIES.length + 2);
    const count = async () =>
      (
        await stack.db.query(
          `SELECT (SELECT count(*) FROM notice)::int AS notices, (SELECT count(*) FROM policy_document)::int AS policies,
                  (SELECT count(*) FROM message_thread)::int AS threads, (SELECT count(*) FROM message)::int AS messages`,
        )
      ).rows[0];
    const first = await count();
    expect(first).toEqual({
      notices: DEMO_NOTICES.length,
      policies: DEMO_POLICIES.length,
      threads: 1,
      messages: 2,
    });
    expect(await run()).toBe(0);
    expect(await count()).toEqual(first);

    // Addressed to every township: 修齐镇 sees the progress notice unread; 县水务局 sees the answer.
    const xqz = await Session.login(stack.baseUrl, 'xqz.op');
    const list = await xqz.get('/api/notices');
    expect(list.body.items.map((n: { title: string }) => n.title)).toEqual([DEMO_NOTICES[0]!.title]);
    expect(list.body.unread).toBe(1);
    const mbz = await Session.login(stack.baseUrl, 'mbz.op');
    const threads = await mbz.get('/api/threads');
    expect(threads.body.items[0]).toMatchObject({ subject: DEMO_THREAD.subject, messageCount: 2, unread: 1 });
    const found = await xqz.get(`/api/policies?q=${encodeURIComponent('衔接推进')}`);
    expect(found.body.items[0].documentNo).toBe('财农〔2021〕19号');
  });
});
