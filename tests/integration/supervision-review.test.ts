/**
 * The supervision office's flows where a real office trips: a 约谈 record corrected twice (two
 * corrections of one talk would both count in the ranking), a correction re-listing the units its
 * original listed already (one talk, two negative-list deductions), and a notice issued from a red
 * flag that does not exist, was dismissed, or has a notice already.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cstDate } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { issue, noticesAbout, spreadSerials } from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session;

beforeAll(async () => {
  stack = await startTestStack();
  office = await Session.login(stack.baseUrl, 'supervisor');
  await spreadSerials(stack);
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(sql, params)).rows[0].n as number;

const talk = (over: Record<string, unknown> = {}) => ({
  kind: 'individual',
  heldAt: `${cstDate(Date.now())}T00:30:00+08:00`,
  location: '县专项监督办会议室',
  interviewers: '县专项监督办主任 李明',
  subjects: [{ unitCode: 'nyw', name: '赵农业', title: '县农业农村委主任' }],
  reason: '项目报账严重滞后',
  agreed: '十日内完成报账',
  ...over,
});

describe('约谈 corrections', () => {
  it('a record corrected once cannot be corrected again: the second is a 409 naming the first, nothing written', async () => {
    const made = await office.post('/api/interviews', talk());
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const first = await office.post(
      '/api/interviews',
      talk({ correctsId: made.body.id, location: '县政府' }),
    );
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const records = () => count('SELECT count(*)::int AS n FROM interview_record');
    const before = await records();
    const second = await office.post('/api/interviews', talk({ correctsId: made.body.id, location: '县委' }));
    expect(second.status, JSON.stringify(second.body)).toBe(409);
    expect(second.body.error.details[0].path).toBe('body.correctsId');
    expect(second.body.error.message).toContain(first.body.id);
    expect(await records()).toBe(before);
    // The correction itself is corrected instead (a chain: the latest counts).
    const chained = await office.post(
      '/api/interviews',
      talk({ correctsId: first.body.id, location: '县委' }),
    );
    expect(chained.status, JSON.stringify(chained.body)).toBe(201);
    // English callers read the refusal in English.
    const en = await office.post('/api/interviews', talk({ correctsId: made.body.id }), {
      'Accept-Language': 'en',
    });
    expect(en.status).toBe(409);
    expect(en.body.error.message).toMatch(/^the record was corrected already/);
  });

  it('two corrections of one record sent at once: one is recorded, the other refused', async () => {
    const made = await office.post('/api/interviews', talk({ reason: '并发更正' }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const both = await Promise.all(
      ['甲', '乙'].map((x) =>
        office.post('/api/interviews', talk({ correctsId: made.body.id, location: x })),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(
      await count('SELECT count(*)::int AS n FROM interview_record WHERE corrects_id = $1', [made.body.id]),
    ).toBe(1);
  });

  it('a correction that lists its units again does not list a unit its original listed already', async () => {
    const made = await office.post('/api/interviews', talk({ reason: '重复列入', addToNegativeList: true }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const entries = () =>
      count(
        `SELECT count(*)::int AS n FROM negative_list_entry e
          WHERE e.interview_record_id IN (SELECT id FROM interview_record WHERE id = $1 OR corrects_id = $1)`,
        [made.body.id],
      );
    expect(await entries()).toBe(1);
    const fix = await office.post(
      '/api/interviews',
      talk({
        kind: 'collective',
        reason: '重复列入',
        correctsId: made.body.id,
        addToNegativeList: true,
        subjects: [
          { unitCode: 'nyw', name: '赵农业', title: '县农业农村委主任' },
          { unitCode: 'jtj', name: '钱交通', title: '县交通局局长' },
        ],
      }),
    );
    expect(fix.status, JSON.stringify(fix.body)).toBe(201);
    // 县交通局 is newly named and listed; 县农业农村委 stays listed once, by the original.
    const { rows } = await stack.db.query(
      `SELECT o.code, count(*)::int AS n FROM negative_list_entry e JOIN org_unit o ON o.id = e.org_unit_id
        WHERE e.interview_record_id IN ($1, $2) GROUP BY o.code ORDER BY o.code`,
      [made.body.id, fix.body.id],
    );
    expect(rows).toEqual([
      { code: 'jtj', n: 1 },
      { code: 'nyw', n: 1 },
    ]);
  });

  it('the month’s ranking counts each of those talks once, and its listing once', async () => {
    // Three talks with 县农业农村委 above (one corrected twice in a chain, one corrected once, one
    // corrected with its listing): three talks, one negative-list entry.
    const res = await office.get('/api/ranking/preview');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const nyw = res.body.report.groups.department.find((r: { unitCode: string }) => r.unitCode === 'nyw');
    expect(nyw.inputs).toMatchObject({ interviews: '3', negativeListEntries: '1' });
  });
});

describe('a notice raised from a red flag', () => {
  const aNotice = noticesAbout();
  const flag = async (subject: string, dismissed = false) => {
    const { rows } = await stack.db.query(
      `INSERT INTO red_flag (rule, subject, year, unit_id, unit_ids, evidence, dismissed_at, dismissed_by_name, dismiss_reason)
       SELECT 'settlementOverContract', $1, 2026, o.id, ARRAY[o.id], '{"facts":{},"rows":[]}'::jsonb,
              CASE WHEN $2 THEN now() END, CASE WHEN $2 THEN '督查员' END, CASE WHEN $2 THEN '核实无误' END
         FROM org_unit o WHERE o.code = 'xqz' RETURNING id::int AS id`,
      [subject, dismissed],
    );
    return rows[0].id as number;
  };
  const notices = () => count('SELECT count(*)::int AS n FROM rectification_notice');

  it('names a flag that exists: an unknown one is a 422 naming body.redFlagId, nothing issued', async () => {
    const before = await notices();
    const res = await office.post('/api/rectifications', aNotice([10], { redFlagId: 987654321 }));
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(JSON.stringify(res.body.error)).toContain('body.redFlagId');
    expect(await notices()).toBe(before);
  });

  it('a dismissed flag is not turned into a notice', async () => {
    const id = await flag(`test:dismissed:${Date.now()}`, true);
    const before = await notices();
    const res = await office.post('/api/rectifications', aNotice([10], { redFlagId: id }));
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error.details[0].path).toBe('body.redFlagId');
    expect(await notices()).toBe(before);
  });

  it('a flag becomes one notice to a unit: a second is a 409 naming the first, until the first is withdrawn', async () => {
    const id = await flag(`test:twice:${Date.now()}`);
    const first = await issue(office, aNotice([10], { redFlagId: id }));
    const before = await notices();
    const again = await office.post('/api/rectifications', aNotice([10], { redFlagId: id }));
    expect(again.status, JSON.stringify(again.body)).toBe(409);
    expect(again.body.error.message).toContain(first.serial);
    expect(await notices()).toBe(before);
    // Another unit the flag's finding concerns gets its own notice.
    await issue(office, aNotice([10], { redFlagId: id, unitCode: 'swj' }));
    const withdrawn = await office.post(`/api/rectifications/${first.id}/withdraw`, { reason: '转错了单位' });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    const second = await issue(office, aNotice([10], { redFlagId: id }));
    expect(second.serial).not.toBe(first.serial);
  });
});

describe('a notice about a project', () => {
  it('is addressed to a unit that reads the project: one about another township’s project is a 422, nothing issued', async () => {
    // 县水务局's project built by 修齐镇: 修齐镇 and 县水务局 read it, 庙坝镇 does not.
    const dept = await Session.login(stack.baseUrl, 'swj.op');
    const p = await dept.post('/api/projects', aProject());
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const body = (unitCode: string) => noticesAbout(p.body.code)([20, 20], { unitCode });
    const before = await count('SELECT count(*)::int AS n FROM rectification_notice');
    const wrong = await office.post('/api/rectifications', body('mbz'));
    expect(wrong.status, JSON.stringify(wrong.body)).toBe(422);
    expect(JSON.stringify(wrong.body.error)).toContain('body.problems.0.project');
    expect(await count('SELECT count(*)::int AS n FROM rectification_notice')).toBe(before);
    // The units that read it are addressed as before, and see the project named on the notice.
    for (const [code, account] of [
      ['xqz', 'xqz.op'],
      ['swj', 'swj.op'],
    ] as const) {
      const n = await issue(office, body(code));
      const seen = await (await Session.login(stack.baseUrl, account)).get(`/api/rectifications/${n.id}`);
      expect(seen.body.problems[0].project?.code).toBe(p.body.code);
    }
  });
});
