/**
 * The in-app inbox over HTTP on the real stack: a deadline ladder on a one-second day fills a
 * township operator's inbox; the operator lists it newest first, pages it, filters the unread,
 * marks messages read and unread and all read, each change audited once. Another account, even
 * a county-wide one, neither sees nor marks them (a 404, as for a message that does not exist);
 * malformed ids and queries are 4xx JSON errors naming the field, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '#domain/deadlines.js';
import type { InboxMessageDto } from '#domain/notify-schemas.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let owner: Session; // xqz.op: 修齐镇's operator, the project's owner unit
let supervisor: Session; // county-wide: gets the escalations, not the reminders
let other: Session; // jtj.op: another department's operator
let project: { id: string; code: string };
/** The operator's messages, newest first, once the whole start ladder has fired. */
let messages: InboxMessageDto[];

const STEPS = ['【约谈标记】', '【上报县级】', '【逾期预警】', '【到期提醒】'];

async function auditRows(action: string, entityId?: string): Promise<number> {
  const { rows } = await stack.db.query(
    `SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND ($2::text IS NULL OR entity_id = $2)`,
    [action, entityId ?? null],
  );
  return rows[0].n;
}

/** A refusal as the api promises it: JSON `{error:{code,message}}` with this status. */
function refused(res: { status: number; body: any }, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body?.error?.code).toBeTypeOf('string');
  expect(res.body?.error?.message).toBeTypeOf('string');
  if (field) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
}

beforeAll(async () => {
  stack = await startTestStack({ deadlines: FAST_LADDERS });
  [owner, supervisor, other] = await Promise.all([
    Session.login(stack.baseUrl, 'xqz.op'),
    Session.login(stack.baseUrl, 'supervisor'),
    Session.login(stack.baseUrl, 'jtj.op'),
  ]);
  const dept = await Session.login(stack.baseUrl, 'swj.op');
  const t = today();
  const created = await dept.post(
    '/api/projects',
    aProject({
      plannedDates: {
        start: addDays(t, 2),
        completion: addDays(t, 300),
        acceptance: addDays(t, 400),
        reimbursement: addDays(t, 500),
      },
    }),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  project = { id: created.body.id, code: created.body.code };
  // Reminder → overdue → escalated → 约谈: four messages for the owner unit's operator.
  messages = await eventually(async () => {
    const res = await owner.get('/api/inbox');
    return res.body.total === 4 && (res.body.items as InboxMessageDto[]);
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('the inbox', () => {
  it('lists the messages of a ladder newest first, with the project, its link and the counts', async () => {
    expect(messages.map((m) => m.title.slice(0, 6))).toEqual(STEPS);
    const times = messages.map((m) => m.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    for (const m of messages) {
      expect(m).toMatchObject({
        projectId: project.id,
        projectCode: project.code,
        link: `/projects/${project.id}`,
        category: 'deadline',
        readAt: null,
      });
      expect(m.id).toMatch(/^\d+$/);
    }
    expect(messages.map((m) => m.severity)).toEqual(['critical', 'critical', 'warning', 'info']);
    const list = await owner.get('/api/inbox');
    expect(list.body).toMatchObject({ total: 4, unread: 4, page: 1, pageSize: 20 });
    expect((await owner.get('/api/inbox/unread-count')).body).toEqual({ unread: 4 });

    // Pages: the second page of three holds the oldest.
    const page2 = await owner.get('/api/inbox?page=2&pageSize=3');
    expect(page2.status).toBe(200);
    expect(page2.body).toMatchObject({ total: 4, unread: 4, page: 2, pageSize: 3 });
    expect(page2.body.items.map((m: InboxMessageDto) => m.id)).toEqual([messages[3]!.id]);
  });

  it('marks one read and unread again, audited once per change, and filters the unread', async () => {
    const newest = messages[0]!;
    const read = await owner.post(`/api/inbox/${newest.id}/read`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.id).toBe(newest.id);
    expect(Date.parse(read.body.readAt)).toBeGreaterThan(Date.parse(newest.createdAt) - 1);
    expect((await owner.get('/api/inbox/unread-count')).body).toEqual({ unread: 3 });
    expect(await auditRows('inbox.read', newest.id)).toBe(1);

    // Read again: nothing changes, nothing more is audited.
    const again = await owner.post(`/api/inbox/${newest.id}/read`);
    expect(again.status).toBe(200);
    expect(again.body.readAt).toBe(read.body.readAt);
    expect(await auditRows('inbox.read', newest.id)).toBe(1);

    const unread = await owner.get('/api/inbox?unread=true');
    expect(unread.body).toMatchObject({ total: 3, unread: 3 });
    expect(unread.body.items.map((m: InboxMessageDto) => m.id)).toEqual(messages.slice(1).map((m) => m.id));
    const all = await owner.get('/api/inbox?unread=false');
    expect(all.body).toMatchObject({ total: 4, unread: 3 });
    expect(all.body.items[0]).toMatchObject({ id: newest.id, readAt: read.body.readAt });

    const back = await owner.post(`/api/inbox/${newest.id}/unread`);
    expect(back.status).toBe(200);
    expect(back.body.readAt).toBeNull();
    expect((await owner.get('/api/inbox/unread-count')).body).toEqual({ unread: 4 });
    expect(await auditRows('inbox.unread', newest.id)).toBe(1);
  });

  it('shows another account none of them and lets it mark none: a 404, county-wide or not', async () => {
    const ids = new Set(messages.map((m) => m.id));
    // The supervisor has messages of its own (the escalation and the 约谈 flag), not the operator's.
    const own = await eventually(async () => {
      const res = await supervisor.get('/api/inbox');
      return res.body.total === 2 && (res.body.items as InboxMessageDto[]);
    });
    expect(own.map((m) => m.title.slice(0, 6))).toEqual(STEPS.slice(0, 2));
    expect(own.some((m) => ids.has(m.id))).toBe(false);
    expect((await other.get('/api/inbox')).body).toMatchObject({ total: 0, unread: 0, items: [] });
    expect((await other.get('/api/inbox/unread-count')).body).toEqual({ unread: 0 });

    for (const s of [supervisor, other]) {
      for (const action of ['read', 'unread']) {
        const res = await s.post(`/api/inbox/${messages[1]!.id}/${action}`);
        refused(res, 404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
      // Reading all of one's own touches no one else's.
      expect((await s.post('/api/inbox/read-all')).status).toBe(200);
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM inbox_message WHERE id = ANY($1::bigint[]) AND read_at IS NOT NULL`,
      [[...ids]],
    );
    expect(rows[0].n).toBe(0);
    expect((await owner.get('/api/inbox/unread-count')).body).toEqual({ unread: 4 });
    expect((await supervisor.get('/api/inbox/unread-count')).body).toEqual({ unread: 0 });
  });

  it('marks all read at once, answering the new unread count, audited once', async () => {
    const before = await auditRows('inbox.readAll');
    const res = await owner.post('/api/inbox/read-all');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unread: 0 });
    expect(await auditRows('inbox.readAll')).toBe(before + 1);
    expect((await owner.get('/api/inbox?unread=true')).body).toMatchObject({
      total: 0,
      unread: 0,
      items: [],
    });
    const all = (await owner.get('/api/inbox')).body.items as InboxMessageDto[];
    expect(all.every((m) => m.readAt !== null)).toBe(true);
    // Nothing left to mark: nothing written.
    expect((await owner.post('/api/inbox/read-all')).body).toEqual({ unread: 0 });
    expect(await auditRows('inbox.readAll')).toBe(before + 1);
  });

  it('answers malformed ids and queries with a 4xx JSON error naming the field, and strangers with 401', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999', '%20', 'x'.repeat(300)])
      refused(await owner.post(`/api/inbox/${id}/read`), 422, 'params.id');
    // Well formed, but no such message.
    refused(await owner.post('/api/inbox/123456789012345678/read'), 404);
    for (const [q, field] of [
      ['page=0', 'query.page'],
      ['page=x', 'query.page'],
      ['pageSize=101', 'query.pageSize'],
      ['unread=maybe', 'query.unread'],
    ])
      refused(await owner.get(`/api/inbox?${q}`), 422, field);
    // In the caller's language.
    const en = await owner.request('GET', '/api/inbox?page=0', undefined, { 'accept-language': 'en' });
    refused(en, 422, 'query.page');
    expect(en.body.error.message).toMatch(/^invalid query/);

    const nobody = new Session(stack.baseUrl);
    for (const [method, path] of [
      ['GET', '/api/inbox'],
      ['GET', '/api/inbox/unread-count'],
      ['POST', '/api/inbox/read-all'],
      ['POST', `/api/inbox/${messages[0]!.id}/read`],
    ] as const)
      refused(await nobody.request(method, path, method === 'POST' ? {} : undefined), 401);
  });
});
