/**
 * A cancelled (终止) project takes no writes of any kind: no step, no ledger entry, no archive
 * document, no imported row. Each is refused and nothing is written anywhere (rows, audit trail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;

beforeAll(async () => {
  stack = await startTestStack();
  actors = await loginActors(stack);
});
afterAll(async () => {
  await stack?.stop();
});

const PDF = Buffer.from('%PDF-1.4\n% 终止后的资料\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** What any write could change: every table a write reaches, and the audit chains' heads. */
async function everything() {
  const { rows } = await stack.db.query(
    `SELECT (SELECT count(*) FROM archive_document)::int AS archives,
            (SELECT count(*) FROM ledger_event)::int AS ledger_events,
            (SELECT count(*) FROM supervision_visit)::int AS visits,
            (SELECT count(*) FROM project_history)::int AS history,
            (SELECT count(*) FROM audit_log WHERE action NOT LIKE 'auth.%')::int AS audit,
            (SELECT max(id) FILTER (WHERE action NOT LIKE 'auth.%') FROM audit_log)::text AS audit_head`,
  );
  return rows[0];
}

describe('a cancelled project', () => {
  it('refuses archives, ledger writes, imported rows and steps with 409, writing nothing', async () => {
    const created = await actors.dept.post('/api/projects', aProject());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, code } = created.body as { id: string; code: string };
    const village = await Session.login(stack.baseUrl, 'xqz-btc.op');
    // Before 终止 the village may file a document: the refusal below is about the stage alone.
    const before = await village.upload(
      `/api/projects/${id}/archives?ledger=site&stage=approved&fileName=a.pdf`,
      PDF,
      'application/pdf',
      'a.pdf',
    );
    expect(before.status, JSON.stringify(before.body)).toBe(201);
    expect((await take(actors, id, 'cancel')).status).toBe(200);

    const snapshot = await everything();
    const archive = await village.upload(
      `/api/projects/${id}/archives?ledger=site&stage=approved&fileName=b.pdf`,
      PDF,
      'application/pdf',
      'b.pdf',
    );
    expect(archive.status, JSON.stringify(archive.body)).toBe(409);
    expect(archive.body.error).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED' });
    expect(archive.body.error.message).toContain('终止');

    const visit = await village.post(`/api/projects/${id}/ledgers/site/visits`, {
      villageCode: 'xqz-btc',
      visitedOn: '2026-05-03',
      supervisor: '陈大明',
      findings: '终止后的走访',
    });
    expect(visit.status, JSON.stringify(visit.body)).toBe(409);

    const imported = await village.upload(
      '/api/ledger-imports?kind=visits&wait=true',
      Buffer.from(
        `项目编号,村编码,监督日期,监督员,监督情况\n${code},xqz-btc,2026-05-03,陈大明,终止后的走访\n`,
      ),
      'text/csv',
      'v.csv',
    );
    expect(imported.status, JSON.stringify(imported.body)).toBe(422);
    expect(JSON.stringify(imported.body)).toContain('项目已终止');

    for (const action of ['approveDesign', 'adjust', 'cancel'] as const)
      expect((await take(actors, id, action)).status, action).toBe(409);

    expect(await everything()).toEqual(snapshot);
  });
});
