/**
 * GET /api/stats/dashboard: the figures a county, a township and a village account get equal what
 * an independent SQL query over the raw tables gives for exactly that account's scope, of every
 * year or of one (`?year=`), and the scope holds in PostgreSQL alone (row-level security without
 * any condition of the application's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPARTMENT_STAGES, OWNER_STAGES } from '#api/modules/projects/conditions.js';
import { callerFor } from '#scripts/lib/project-file.js';
import {
  addProjectOfYear,
  dbFigures,
  dbYears,
  rlsFigures,
  rlsYears,
  seedSmallCounty,
  type DbFigures,
} from '../support/dashboard-figures.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

/** The demo county's projects are all of 2026; one more of this year makes the years differ. */
const OTHER_YEAR = 2025;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ deadlines: { enabled: true } });
  await seedSmallCounty(stack);
  await addProjectOfYear(stack, OTHER_YEAR);
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

/** One session per account for the whole file: logins are rate-limited per client address. */
const sessions = new Map<string, Promise<Session>>();
function loginAs(username: string): Promise<Session> {
  let s = sessions.get(username);
  if (!s) sessions.set(username, (s = Session.login(stack.baseUrl, username)));
  return s;
}

/**
 * The api's answer in the shape of the database figures, for one comparison. Money totals arrive as
 * decimal strings (exact at any size); this county's are far below 2^53, so numbers compare them.
 */
function asFigures(body: any): DbFigures {
  const nonZero = (rows: { count: number }[], key: (r: any) => string) =>
    Object.fromEntries(rows.filter((r) => r.count > 0).map((r) => [key(r), r.count]));
  return {
    total: body.projects.total,
    byStage: nonZero(body.projects.byStage, (r) => r.stage),
    budgetFen: Number(body.money.budgetFen),
    disbursedFen: Number(body.money.disbursedFen),
    basisPoints: body.money.disbursedBasisPoints,
    bySource: Object.fromEntries(
      body.money.bySource.map((s: any) => [
        s.kind,
        { budgetFen: Number(s.budgetFen), disbursedFen: Number(s.disbursedFen) },
      ]),
    ),
    overdueTotal: body.overdue.total,
    overdueByKind: nonZero(body.overdue.byKind, (r) => r.kind),
    overdueByUnit: nonZero(body.overdue.byUnit, (r) => r.unit.code),
    progressMissing: body.progressMissing.total,
  };
}

describe('dashboard figures', () => {
  const accounts = ['leader', 'xqz.view', 'xqz-btc.view', 'swj.op', 'mbz.op'];

  it.each(accounts)('for %s equal the database’s over exactly its scope', async (username) => {
    const s = await loginAs(username);
    const res = await s.get('/api/stats/dashboard');
    expect(res.status).toBe(200);
    expect(asFigures(res.body)).toEqual(await dbFigures(stack.db, username));
  });

  it('has something to count: every kind of figure is non-zero county-wide, and narrower scopes see less', async () => {
    const county = await dbFigures(stack.db, 'leader');
    expect(county.total).toBe(11);
    expect((await dbFigures(stack.db, 'leader', { year: 2026 })).total).toBe(10);
    expect(county.disbursedFen).toBeGreaterThan(0);
    expect(county.disbursedFen).toBeLessThan(county.budgetFen);
    expect(Object.keys(county.bySource).length).toBeGreaterThanOrEqual(3);
    expect(county.overdueTotal).toBeGreaterThan(0);
    expect(Object.keys(county.overdueByUnit).length).toBeGreaterThanOrEqual(2);
    expect(county.progressMissing).toBeGreaterThan(0);
    const township = await dbFigures(stack.db, 'xqz.view');
    const village = await dbFigures(stack.db, 'xqz-btc.view');
    expect(township.total).toBeGreaterThan(village.total);
    expect(village.total).toBeGreaterThan(0);
    expect(county.total).toBeGreaterThan(township.total);
    expect(township.budgetFen).toBeLessThan(county.budgetFen);
  });

  it('gives the rate as exact integer basis points (no floating point)', async () => {
    const s = await loginAs('leader');
    const { body } = await s.get('/api/stats/dashboard');
    const { budgetFen, disbursedFen, disbursedBasisPoints } = body.money;
    expect(Number.isInteger(disbursedBasisPoints)).toBe(true);
    expect(BigInt(disbursedBasisPoints)).toBe((BigInt(disbursedFen) * 10000n) / BigInt(budgetFen));
    for (const src of body.money.bySource)
      expect(BigInt(src.disbursedBasisPoints)).toBe(
        (BigInt(src.disbursedFen) * 10000n) / BigInt(src.budgetFen),
      );
    expect(body.scope).toEqual({
      kind: 'county',
      unit: expect.objectContaining({ code: expect.any(String) }),
    });
    expect(body.month).toMatch(/^\d{4}-\d{2}$/);
  });

  it('lists the steps waiting on the caller’s unit, with the step each may take', async () => {
    const s = await loginAs('xqz.op');
    const { body } = await s.get('/api/stats/dashboard');
    const unit = (await stack.db.query(`SELECT id FROM org_unit WHERE code = 'xqz'`)).rows[0].id;
    // The owner unit's main-path steps: fix the method, start, complete (and report progress), hand over, close.
    const { rows } = await stack.db.query(
      `SELECT code, stage FROM project WHERE owner_unit_id = $1
          AND stage IN ('designApproved', 'methodFixed', 'underway', 'rectifying', 'reimbursed', 'afterCare')
        ORDER BY updated_at, code`,
      [unit],
    );
    expect(body.waiting.total).toBe(rows.length);
    expect(body.waiting.items.map((i: any) => i.code)).toEqual(rows.map((r) => r.code));
    for (const item of body.waiting.items) {
      expect(item.actions.length).toBeGreaterThan(0);
      expect(item.actions).not.toContain('adjust');
      expect(item.actions).not.toContain('cancel');
    }
    // The leader's unit governs and owns nothing.
    const leader = await loginAs('leader');
    expect((await leader.get('/api/stats/dashboard')).body.waiting).toEqual({ total: 0, items: [] });
  });

  it('lists what waits on a department’s or a township’s unit, narrowed to a unit or not, as the database has it', async () => {
    const ids = new Map(
      (
        await stack.db.query<{ code: string; id: string; kind: string }>(
          'SELECT code, id, kind FROM org_unit',
        )
      ).rows.map((r) => [r.code, r]),
    );
    // Independently of the api's conditions: who may read a project, by the unit's kind.
    const reads = (code: string) => {
      const u = ids.get(code)!;
      if (u.kind === 'department') return `(p.department_id = '${u.id}' OR p.owner_unit_id = '${u.id}')`;
      if (u.kind === 'village')
        return `EXISTS (SELECT 1 FROM project_village pv WHERE pv.project_id = p.id AND pv.village_id = '${u.id}')`;
      return `(p.owner_unit_id = '${u.id}' OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                WHERE pv.project_id = p.id AND v.parent_id = '${u.id}'))`;
    };
    const narrowTo = (code: string) =>
      ids.get(code)!.kind === 'department' ? `p.department_id = '${ids.get(code)!.id}'` : reads(code);
    let listed = 0;
    for (const [username, unit] of [
      ['swj.op', null],
      ['swj.op', 'swj'],
      ['swj.op', 'xqz'],
      ['swj.op', 'xqz-btc'],
      ['xqz.op', null],
      ['xqz.op', 'xqz'],
      ['xqz.op', 'xqz-btc'],
      ['xqz.op', 'swj'],
    ] as const) {
      const me = username.replace(/\.op$/, '');
      const { rows } = await stack.db.query<{ code: string }>(
        `SELECT p.code FROM project p
          WHERE ((p.department_id = $1 AND p.stage = ANY($2)) OR (p.owner_unit_id = $1 AND p.stage = ANY($3)))
            AND ${reads(me)} AND ${unit ? narrowTo(unit) : 'TRUE'}
          ORDER BY p.updated_at, p.code LIMIT 20`,
        [ids.get(me)!.id, DEPARTMENT_STAGES, OWNER_STAGES],
      );
      const s = await loginAs(username);
      const { body } = await s.get(`/api/stats/dashboard${unit ? `?unit=${unit}` : ''}`);
      expect(
        body.waiting.items.map((i: { code: string }) => i.code),
        `${username} ${unit}`,
      ).toEqual(rows.map((r) => r.code));
      listed += rows.length;
    }
    expect(listed).toBeGreaterThan(0);
  });

  it('keeps to the scope in PostgreSQL alone: the figures counted with no scope condition, as row-level security shows the account its tables', async () => {
    for (const username of ['leader', 'xqz.view', 'xqz-btc.view', 'swj.view', 'swj.op', 'mbz.op']) {
      const caller = await callerFor(stack.orm, username);
      expect(await rlsFigures(stack.orm, caller), username).toEqual(await dbFigures(stack.db, username));
      for (const year of [2026, OTHER_YEAR]) {
        expect(await rlsFigures(stack.orm, caller, { year }), `${username} ${year}`).toEqual(
          await dbFigures(stack.db, username, { year }),
        );
      }
      expect(await rlsYears(stack.orm, caller), username).toEqual(await dbYears(stack.db, username));
    }
  });

  it('is in the OpenAPI document with its response schema, beside the list export and its sort parameters', async () => {
    const doc = (await (await fetch(`${stack.baseUrl}/api/openapi.json`)).json()) as any;
    const stats = doc.paths['/api/stats/dashboard'].get;
    const schema = stats.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['projects', 'money', 'overdue', 'waiting', 'progressMissing']),
    );
    const exportParams = doc.paths['/api/projects/export'].get.parameters.map(
      (p: { name: string }) => p.name,
    );
    expect(exportParams).toEqual(expect.arrayContaining(['sort', 'order', 'fundSource', 'overdue']));
    const listParams = doc.paths['/api/projects'].get.parameters.map((p: { name: string }) => p.name);
    expect(listParams).toEqual(expect.arrayContaining(['sort', 'order', 'fundSource', 'page']));
    // The dashboard's year: an optional integer query parameter, bounded like a project's year;
    // its unit: an optional unit code.
    expect(stats.parameters).toEqual([
      expect.objectContaining({
        name: 'year',
        in: 'query',
        required: false,
        schema: expect.objectContaining({ type: 'integer', minimum: 2000, maximum: 2100 }),
      }),
      expect.objectContaining({
        name: 'unit',
        in: 'query',
        required: false,
        schema: expect.objectContaining({ type: 'string' }),
      }),
    ]);
    expect(schema.properties.unit).toBeDefined();
    expect(Object.keys(stats.responses)).toEqual(expect.arrayContaining(['200', '401', '422']));
    expect(schema.properties.years.type).toBe('array');
  });

  it('needs a session', async () => {
    const res = await fetch(`${stack.baseUrl}/api/stats/dashboard`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('dashboard figures of one year (?year=)', () => {
  const accounts = ['leader', 'swj.op', 'xqz.view', 'xqz-btc.view', 'mbz.op'];

  it.each(accounts)(
    'for %s equal the database’s over that year of its scope, year by year',
    async (username) => {
      const s = await loginAs(username);
      const years = await dbYears(stack.db, username);
      expect(years.length).toBeGreaterThan(0);
      for (const year of years) {
        const res = await s.get(`/api/stats/dashboard?year=${year}`);
        expect(res.status).toBe(200);
        expect(res.body.year).toBe(year);
        expect(res.body.years, 'the years there are, whichever is shown').toEqual(years);
        expect(asFigures(res.body), `${username} ${year}`).toEqual(
          await dbFigures(stack.db, username, { year }),
        );
      }
      const all = await s.get('/api/stats/dashboard');
      expect(all.body.year).toBeNull();
      expect(all.body.years).toEqual(years);
    },
  );

  it('differ from every year’s where the scope holds several years; the years are those of the scope only', async () => {
    for (const username of ['leader', 'swj.op', 'xqz.view', 'xqz-btc.view']) {
      expect(await dbYears(stack.db, username), username).toEqual([2026, OTHER_YEAR]);
      const s = await loginAs(username);
      const all = asFigures((await s.get('/api/stats/dashboard')).body);
      const byYear = await Promise.all(
        [2026, OTHER_YEAR].map(async (y) => asFigures((await s.get(`/api/stats/dashboard?year=${y}`)).body)),
      );
      for (const one of byYear) {
        expect(one.total, username).toBeGreaterThan(0);
        expect(one.total, username).toBeLessThan(all.total);
        expect(one.budgetFen, username).toBeLessThan(all.budgetFen);
        expect(one.disbursedFen, username).toBeGreaterThan(0);
      }
      // The years partition every-year figures: counts and money add up.
      expect(byYear[0]!.total + byYear[1]!.total).toBe(all.total);
      expect(byYear[0]!.budgetFen + byYear[1]!.budgetFen).toBe(all.budgetFen);
      expect(byYear[0]!.disbursedFen + byYear[1]!.disbursedFen).toBe(all.disbursedFen);
      expect(byYear[0]!.overdueTotal + byYear[1]!.overdueTotal).toBe(all.overdueTotal);
    }
    // 庙坝镇 has nothing of the other year: it is not offered, and asked for anyway, it counts nothing.
    const mbz = await loginAs('mbz.op');
    expect((await mbz.get('/api/stats/dashboard')).body.years).toEqual([2026]);
    const empty = (await mbz.get(`/api/stats/dashboard?year=${OTHER_YEAR}`)).body;
    expect(asFigures(empty)).toEqual(await dbFigures(stack.db, 'mbz.op', { year: OTHER_YEAR }));
    expect(empty.projects.total).toBe(0);
    expect(empty.money).toEqual({
      budgetFen: '0',
      disbursedFen: '0',
      disbursedBasisPoints: null,
      bySource: [],
    });
  });

  it.each(['abc', '2026.5', '1999', '2101', '', '-2026'])(
    'refuses year=%j with 422 naming the parameter',
    async (year) => {
      const s = await loginAs('leader');
      const res = await s.get(`/api/stats/dashboard?year=${encodeURIComponent(year)}`);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['query.year']);
    },
  );
});

describe('dashboard figures of one unit (?unit=)', () => {
  /** The departments, townships and villages of the county, with their kinds. */
  async function units(): Promise<{ code: string; name: string; kind: string }[]> {
    const { rows } = await stack.db.query(
      `SELECT code, name, kind FROM org_unit WHERE kind IN ('department', 'township', 'village') ORDER BY code`,
    );
    return rows;
  }

  it('for the county equal the database’s over each unit’s projects, with the unit and its years named', async () => {
    const s = await loginAs('leader');
    let withProjects = 0;
    for (const unit of await units()) {
      const res = await s.get(`/api/stats/dashboard?unit=${unit.code}`);
      expect(res.status, unit.code).toBe(200);
      expect(res.body.unit).toEqual(unit);
      expect(res.body.years, unit.code).toEqual(await dbYears(stack.db, 'leader', unit.code));
      const expected = await dbFigures(stack.db, 'leader', { unit: unit.code });
      expect(asFigures(res.body), unit.code).toEqual(expected);
      if (expected.total > 0) withProjects++;
    }
    expect(withProjects).toBeGreaterThanOrEqual(6);
    const all = await s.get('/api/stats/dashboard');
    expect(all.body.unit).toBeNull();
  });

  it('adds up: every project has one governing department, so the departments’ figures sum to the county’s', async () => {
    const s = await loginAs('leader');
    const county = asFigures((await s.get('/api/stats/dashboard')).body);
    const departments = (await units()).filter((u) => u.kind === 'department');
    const each = await Promise.all(
      departments.map(async (d) => asFigures((await s.get(`/api/stats/dashboard?unit=${d.code}`)).body)),
    );
    const sum = (f: (x: DbFigures) => number) => each.reduce((a, x) => a + f(x), 0);
    expect(sum((x) => x.total)).toBe(county.total);
    expect(sum((x) => x.budgetFen)).toBe(county.budgetFen);
    expect(sum((x) => x.disbursedFen)).toBe(county.disbursedFen);
    expect(sum((x) => x.overdueTotal)).toBe(county.overdueTotal);
    expect(sum((x) => x.progressMissing)).toBe(county.progressMissing);
    expect(each.filter((x) => x.total > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('counts what the project list’s filter of the unit’s kind lists, so the cards’ links open the same projects', async () => {
    const s = await loginAs('leader');
    for (const unit of await units()) {
      const { body } = await s.get(`/api/stats/dashboard?unit=${unit.code}`);
      const list = await s.get(`/api/projects?${unit.kind}=${unit.code}&pageSize=1`);
      expect(list.body.total, unit.code).toBe(body.projects.total);
      const overdue = await s.get(`/api/projects?${unit.kind}=${unit.code}&overdue=any&pageSize=1`);
      expect(overdue.body.total, unit.code).toBe(body.overdue.projects);
      const missing = await s.get(
        `/api/projects?${unit.kind}=${unit.code}&progressMissing=${body.month}&pageSize=1`,
      );
      expect(missing.body.total, unit.code).toBe(body.progressMissing.total);
    }
  });

  it('stays within the caller’s scope: a township narrowed to its village, or to another township, counts only its own', async () => {
    for (const [username, unit] of [
      ['xqz.view', 'xqz-btc'],
      ['xqz.view', 'mbz'],
      ['swj.op', 'xqz'],
      ['mbz.op', 'swj'],
      ['xqz-btc.view', 'xqz'],
    ] as const) {
      const s = await loginAs(username);
      const res = await s.get(`/api/stats/dashboard?unit=${unit}`);
      expect(res.status, `${username} ${unit}`).toBe(200);
      const expected = await dbFigures(stack.db, username, { unit });
      expect(asFigures(res.body), `${username} ${unit}`).toEqual(expected);
      expect(expected.total).toBeLessThanOrEqual((await dbFigures(stack.db, username)).total);
      // Row-level security alone gives the same.
      const caller = await callerFor(stack.orm, username);
      expect(await rlsFigures(stack.orm, caller, { unit }), `${username} ${unit} (RLS)`).toEqual(expected);
      for (const year of [2026, OTHER_YEAR]) {
        const one = await s.get(`/api/stats/dashboard?unit=${unit}&year=${year}`);
        expect(asFigures(one.body), `${username} ${unit} ${year}`).toEqual(
          await dbFigures(stack.db, username, { unit, year }),
        );
      }
    }
    // A village narrowed to its own township, or to itself, sees what it always sees, lists and all.
    const village = await loginAs('xqz-btc.view');
    const plain = (await village.get('/api/stats/dashboard')).body;
    expect(asFigures(plain)).toEqual(await dbFigures(stack.db, 'xqz-btc.view'));
    for (const unit of ['xqz', 'xqz-btc']) {
      const narrowed = (await village.get(`/api/stats/dashboard?unit=${unit}`)).body;
      expect(narrowed.unit.code).toBe(unit);
      expect({ ...narrowed, unit: null }, unit).toEqual(plain);
    }
    // A township narrowed to its village lists what the county narrowed to it lists.
    const { rows: villages } = await stack.db.query(
      `SELECT v.code FROM org_unit v JOIN org_unit t ON t.id = v.parent_id WHERE t.code = 'xqz'`,
    );
    let listed = 0;
    for (const { code } of villages) {
      const leader = (await (await loginAs('leader')).get(`/api/stats/dashboard?unit=${code}`)).body;
      const township = (await (await loginAs('xqz.view')).get(`/api/stats/dashboard?unit=${code}`)).body;
      expect(township.progressMissing, code).toEqual(leader.progressMissing);
      listed += leader.progressMissing.items.length;
    }
    expect(listed).toBeGreaterThan(0);
  });

  it.each([
    ['no such unit', 'nope'],
    ['the county itself', null],
    ['not a unit code', 'A B'],
    ['empty', ''],
  ])('refuses %s with 422 naming the parameter, in the caller’s language', async (_, code) => {
    const county =
      code ?? (await stack.db.query(`SELECT code FROM org_unit WHERE kind = 'county'`)).rows[0].code;
    const s = await loginAs('leader');
    const res = await s.request('GET', `/api/stats/dashboard?unit=${encodeURIComponent(county)}`, undefined, {
      'accept-language': 'en',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['query.unit']);
    expect(res.body.error.message).not.toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('本月未录入进度 in full: the project list filtered with progressMissing=<month>', () => {
  const accounts = ['leader', 'swj.op', 'xqz.view', 'xqz-btc.view', 'mbz.op'];
  // One login per account: the file's earlier tests have used up much of the login rate.
  const sessions = new Map<string, Promise<Session>>();
  const as = (username: string) => {
    if (!sessions.has(username)) sessions.set(username, loginAs(username));
    return sessions.get(username)!;
  };

  it.each(accounts)(
    'for %s holds exactly the card’s projects, of every year and of each year',
    async (username) => {
      const s = await as(username);
      for (const year of [undefined, ...(await dbYears(stack.db, username))]) {
        const y = year === undefined ? '' : `&year=${year}`;
        const card = (await s.get(`/api/stats/dashboard?${y.slice(1)}`)).body;
        const res = await s.get(
          `/api/projects?progressMissing=${card.month}${y}&sort=code&order=asc&pageSize=200`,
        );
        expect(res.status).toBe(200);
        expect(res.body.total, `${username} ${year}`).toBe(card.progressMissing.total);
        expect(res.body.items.length).toBe(card.progressMissing.total);
        // The card shows the first projects in code order: the list's first page starts with them.
        const codes = res.body.items.map((p: { code: string }) => p.code);
        expect(codes.slice(0, card.progressMissing.items.length)).toEqual(
          card.progressMissing.items.map((p: { code: string }) => p.code),
        );
      }
    },
  );

  it('lists only projects under way, none with the month’s entry', async () => {
    const s = await as('leader');
    const { month, progressMissing } = (await s.get('/api/stats/dashboard')).body;
    expect(progressMissing.total).toBeGreaterThan(0);
    const listed = (await s.get(`/api/projects?progressMissing=${month}&pageSize=200`)).body.items;
    const { rows } = await stack.db.query(
      `SELECT p.code FROM project p JOIN monthly_progress m ON m.project_id = p.id WHERE m.month = $1`,
      [month],
    );
    const entered = new Set(rows.map((r) => r.code));
    for (const p of listed) {
      expect(p.stage, p.code).toBe('underway'); // 整改中 is not asked for it
      expect(entered.has(p.code), p.code).toBe(false);
    }
  });

  it.each(['2026-13', '2026-1', 'abc', '2026-12-01'])(
    'refuses progressMissing=%j with 422 naming the parameter, in the caller’s language',
    async (month) => {
      const s = await as('leader');
      const path = `/api/projects?progressMissing=${encodeURIComponent(month)}`;
      const zh = await s.get(path);
      expect(zh.status).toBe(422);
      expect(zh.body.error.details.map((d: { path: string }) => d.path)).toEqual(['query.progressMissing']);
      expect(zh.body.error.details[0].message).toMatch(/\p{Script=Han}/u);
      const en = await s.request('GET', path, undefined, { 'accept-language': 'en' });
      expect(en.status).toBe(422);
      expect(en.body.error.details[0].message).not.toMatch(/\p{Script=Han}/u);
    },
  );
});
