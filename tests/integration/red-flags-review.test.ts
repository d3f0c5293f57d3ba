/**
 * Reviewing risk red flags on the real stack: a dismissal kept across rescans (and by the
 * database), a flag converted by the notice that names it, who sees and who may write what (in
 * the api and in PostgreSQL alone), bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRuleFixtures, fixtures, photo, type Fixture } from '../support/red-flag-fixtures.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let f: ReturnType<typeof fixtures>;
let office: Session;
let leader: Session;

interface Flag {
  id: number;
  rule: string;
  status: string;
  unit: { code: string };
  projects: { code: string }[];
  explanation: { 'zh-CN': string; en: string };
}

beforeAll(async () => {
  stack = await startTestStack();
  f = fixtures(stack);
  office = await Session.login(stack.baseUrl, 'supervisor');
  leader = await Session.login(stack.baseUrl, 'leader');
  await buildRuleFixtures(f);
  await scan();
}, 600_000);
afterAll(async () => {
  await stack?.stop();
});

async function scan() {
  const res = await office.post('/api/red-flags/scan');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { rules: Record<string, { found: number; raised: number; cleared: number }> };
}
async function flags(s: Session, query = ''): Promise<Flag[]> {
  const res = await s.get(`/api/red-flags?pageSize=100${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as Flag[];
}
/** The flags of `rule` naming project `p`, as the county sees them. */
async function flagsOf(rule: string, p: Fixture): Promise<Flag[]> {
  return (await flags(leader, `&rule=${rule}`)).filter((x) => x.projects.some((q) => q.code === p.code));
}

describe('dismissal, conversion, scope', () => {
  let early: Fixture;
  let flag: Flag;

  beforeAll(async () => {
    early = await f.project({ dept: 'swj', owner: 'mtz', village: 'mtz-jyc', year: 2034 });
    await f.pay(early, '2026-04-01', 100_000, 'RF-D-1'); // not started yet: before 开工
    await scan();
    [flag] = (await flagsOf('payBeforeContract', early)) as [Flag];
    expect(flag).toMatchObject({ status: 'open', unit: { code: 'swj' } });
  }, 300_000);

  it('a rescan that finds nothing new changes nothing', async () => {
    const before = await stack.db.query('SELECT id, updated_at, evidence FROM red_flag ORDER BY id');
    const again = await scan();
    for (const r of Object.values(again.rules)) expect(r).toMatchObject({ raised: 0, cleared: 0 });
    const after = await stack.db.query('SELECT id, updated_at, evidence FROM red_flag ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('only the supervision office dismisses, with a reason; the dismissal is kept with who and when', async () => {
    for (const u of ['leader', 'swj.op', 'tpgjb.view', 'admin']) {
      const s = await f.login(u).catch(() => undefined);
      if (!s) continue; // the administrator must set up 2FA first: refused either way
      const res = await s.post(`/api/red-flags/${flag.id}/dismiss`, { reason: '不是我的事' });
      expect(res.status, u).toBe(403);
    }
    const empty = await office.post(`/api/red-flags/${flag.id}/dismiss`, { reason: '  ' });
    expect(empty.status).toBe(422);
    expect(JSON.stringify(empty.body.error)).toContain('body.reason');

    const res = await office.post(`/api/red-flags/${flag.id}/dismiss`, {
      reason: '经核实为预付款，合同约定',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      status: 'dismissed',
      dismissal: { by: '专项监督办督查员', reason: '经核实为预付款，合同约定' },
    });
    const audit = await stack.db.query(
      `SELECT actor_username, after FROM audit_log WHERE action = 'redFlag.dismiss' AND entity_id = $1`,
      [String(flag.id)],
    );
    expect(audit.rows).toEqual([
      { actor_username: 'supervisor', after: { status: 'dismissed', reason: '经核实为预付款，合同约定' } },
    ]);
    const twice = await office.post(`/api/red-flags/${flag.id}/dismiss`, { reason: '再次' });
    expect(twice.status).toBe(409);
  });

  it('a rescan finding more of the same keeps it dismissed; the database refuses to undo it', async () => {
    await f.pay(early, '2026-04-02', 200_000, 'RF-D-2');
    expect((await scan()).rules.payBeforeContract!.raised).toBe(0);
    const detail = await office.get(`/api/red-flags/${flag.id}`);
    expect(detail.body.status).toBe('dismissed');
    expect(detail.body.rows.map((r: { voucherNo: string }) => r.voucherNo)).toEqual(['RF-D-1', 'RF-D-2']);
    expect(detail.body.dismissal.reason).toBe('经核实为预付款，合同约定');
    await expect(
      stack.db.query(`UPDATE red_flag SET dismissed_at = NULL, dismiss_reason = NULL WHERE id = $1`, [
        flag.id,
      ]),
    ).rejects.toMatchObject({ constraint: 'red_flag_dismissal_kept' });
    // The application's role may not delete a flag, whatever its scope.
    const c = await stack.db.connect();
    try {
      await c.query(
        `BEGIN; SET LOCAL ROLE sanzhang_app; SELECT set_config('app.scope_kind', 'system', true)`,
      );
      await expect(c.query(`DELETE FROM red_flag WHERE id = $1`, [flag.id])).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  });

  it('is converted once a rectification notice names it, and can no longer be dismissed', async () => {
    const target = (await flags(leader, '&rule=settlementOverContract&status=open'))[0]!;
    // As the notice's workflow writes it (the system scope; here as the owner).
    await stack.db.query(
      `INSERT INTO rectification_notice (year, number, serial, org_unit_id, issuer_unit_id, title, day_count,
              issued_at, issued_on, due_date, source_red_flag_id)
       SELECT 2026, 901, '测试整改〔2026〕901号', u.id, o.id, '整改通知', 'working', now(), current_date,
              current_date + 30, $1 FROM org_unit u, org_unit o WHERE u.code = $2 AND o.code = 'zxjdb'`,
      [target.id, target.unit.code],
    );
    const detail = await office.get(`/api/red-flags/${target.id}`);
    expect(detail.body.status).toBe('converted');
    expect(detail.body.notices).toEqual([
      expect.objectContaining({ serial: '测试整改〔2026〕901号', status: 'open' }),
    ]);
    expect((await flags(leader, '&status=converted')).map((x) => x.id)).toEqual([target.id]);
    const res = await office.post(`/api/red-flags/${target.id}/dismiss`, { reason: '不再需要' });
    expect(res.status).toBe(409);
  });
});

describe('who sees and who may scan', () => {
  it('shows a unit only the flags that concern it; the county sees all', async () => {
    const all = await flags(leader);
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(new Set(all.map((x) => x.rule)).size).toBe(6);
    for (const u of ['swj.op', 'bsz.view', 'mbz-scc.op', 'xqz-ppc.view']) {
      const s = await f.login(u);
      const unit = u.split('.')[0]!;
      const mine = await flags(s);
      const units = await stack.db.query(
        `SELECT f.id::int AS id FROM red_flag f JOIN org_unit o ON o.code = $1 WHERE o.id = ANY (f.unit_ids) ORDER BY f.id`,
        [unit],
      );
      expect(
        mine.map((x) => x.id).sort((a, b) => a - b),
        u,
      ).toEqual(units.rows.map((r) => r.id));
      expect(mine.length, u).toBeGreaterThan(0);
      const other = all.find((x) => !mine.some((m) => m.id === x.id))!;
      expect((await s.get(`/api/red-flags/${other.id}`)).status, u).toBe(404);
      expect((await s.get(`/api/red-flags/${mine[0]!.id}`)).status, u).toBe(200);
    }
    // 石城村 sees the split-tender flag of its own village, not the one 河坪村 would have had.
    const village = await flags(await f.login('mbz-scc.view'), '&rule=splitTender');
    expect(village.map((x) => x.unit.code)).toEqual(['swj']);
  });

  it('shows a unit the rows of the flag’s projects it may read, not those of other villages', async () => {
    // One photo filed for two projects of two villages: one flag that concerns both.
    const [here, there] = await Promise.all([
      f.project({ dept: 'lyj', owner: 'xqz', village: 'xqz-dhc', year: 2035 }),
      f.project({ dept: 'lyj', owner: 'xqz', village: 'xqz-cxc', year: 2035 }),
    ]);
    const shared = photo('two-villages');
    await f.file(here, shared);
    await f.file(there, shared);
    await scan();
    const [county] = await flagsOf('duplicatePhoto', here);
    const codes = (rows: { project?: unknown }[]) => [...new Set(rows.map((r) => r.project))].sort();
    const whole = (await leader.get(`/api/red-flags/${county!.id}`)).body;
    expect(codes(whole.rows)).toEqual([here.code, there.code].sort());
    const village = (await (await f.login('xqz-dhc.op')).get(`/api/red-flags/${county!.id}`)).body;
    expect(village.projects.map((p: { code: string }) => p.code)).toEqual([here.code]);
    expect(codes(village.rows)).toEqual([here.code]);
    expect(JSON.stringify(village)).not.toContain(there.code);
    const township = (await (await f.login('xqz.op')).get(`/api/red-flags/${county!.id}`)).body;
    expect(codes(township.rows)).toEqual(codes(whole.rows));
  });

  it('holds the same rule in PostgreSQL, without the application’s condition', async () => {
    const asScope = async (
      kind: string,
      unit: string,
      roles: string,
      sql: string,
      params: unknown[] = [],
    ) => {
      const c = await stack.db.connect();
      try {
        await c.query(`BEGIN; SET LOCAL ROLE sanzhang_app`);
        await c.query(
          `SELECT set_config('app.scope_kind', $1, true), set_config('app.roles', $3, true),
                  set_config('app.unit_id', (SELECT id::text FROM org_unit WHERE code = $2), true)`,
          [kind, unit, roles],
        );
        return await c.query(sql, params);
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
    };
    const seen = await asScope('department', 'swj', 'operator', 'SELECT unit_ids FROM red_flag');
    const swj = (await stack.db.query(`SELECT id FROM org_unit WHERE code = 'swj'`)).rows[0].id;
    expect(seen.rows.length).toBeGreaterThan(0);
    expect(seen.rows.every((r) => r.unit_ids.includes(swj))).toBe(true);
    // The office dismisses but never raises, and a department changes nothing.
    await expect(
      asScope(
        'county',
        'zxjdb',
        'supervisor',
        `INSERT INTO red_flag (rule, subject, unit_id, unit_ids, evidence)
        SELECT 'splitTender', 'forged', id, ARRAY[id], '{}' FROM org_unit WHERE code = 'swj'`,
      ),
    ).rejects.toMatchObject({ code: '42501' });
    const updated = await asScope(
      'department',
      'swj',
      'operator',
      `UPDATE red_flag SET dismiss_reason = 'x',
      dismissed_at = now(), dismissed_by_name = 'x' WHERE dismissed_at IS NULL`,
    );
    expect(updated.rowCount).toBe(0);
  });

  it('lets only the supervision office scan', async () => {
    for (const u of ['leader', 'swj.op', 'zxjdb.view']) {
      const res = await (await f.login(u)).post('/api/red-flags/scan');
      expect(res.status, u).toBe(403);
    }
    expect((await (await f.login('tpgjb.op')).post('/api/red-flags/scan')).status).toBe(200);
    const audit = await stack.db.query(
      `SELECT DISTINCT actor_username FROM audit_log WHERE action = 'redFlag.scan' ORDER BY 1`,
    );
    expect(audit.rows.map((r) => r.actor_username)).toEqual(['supervisor', 'tpgjb.op']);
  });

  it('answers bad input with 422 naming the field, in the caller’s language', async () => {
    for (const [path, field] of [
      ['/api/red-flags?rule=bogus', 'query.rule'],
      ['/api/red-flags?status=gone', 'query.status'],
      ['/api/red-flags?unitCode=nowhere', 'query.unitCode'],
      ['/api/red-flags?year=1800', 'query.year'],
      ['/api/red-flags/abc', 'params.id'],
      ['/api/red-flags/0', 'params.id'],
    ]) {
      const res = await leader.get(path!);
      expect(res.status, path).toBe(422);
      expect(JSON.stringify(res.body.error), path).toContain(field);
    }
    const en = await leader.request('GET', '/api/red-flags?rule=bogus', undefined, {
      'accept-language': 'en',
    });
    expect(en.body.error.message).not.toMatch(/[\u4e00-\u9fff]/);
    expect((await leader.get('/api/red-flags/999999')).status).toBe(404);
  });
});
