/**
 * Lateness at a glance, over the demo county with real deadline ladders (planned dates in the
 * past): the list says for each project which deadline is overdue, by how many days as of today
 * (not as of the day a step fired), at which ladder level and who answers for it; it filters by
 * ladder level and by responsible unit, sorts by days late, and a dashboard unit's count of
 * projects is the list's total for that unit. Expected figures come from the raw alert rows here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween } from '#domain/deadlines.js';
import { seedSmallCounty } from '../support/dashboard-figures.js';
import { today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let leader: Session;
beforeAll(async () => {
  stack = await startTestStack({ deadlines: { enabled: true } });
  await seedSmallCounty(stack);
  leader = await Session.login(stack.baseUrl, 'leader');
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

const LEVELS = ['reminder', 'overdue', 'escalated', 'interview'];

/** Every active ladder from the raw rows: its level, its due date and its unit. */
async function ladders() {
  const { rows } = await stack.db.query(
    `SELECT p.code, a.kind, a.period, a.arm, to_char(a.due_date, 'YYYY-MM-DD') AS due, o.code AS unit,
            array_agg(a.step) AS steps, max(a.days_late) AS fired
       FROM alert a JOIN project p ON p.id = a.project_id JOIN org_unit o ON o.id = a.responsible_unit_id
      WHERE a.status = 'active' GROUP BY 1, 2, 3, 4, 5, 6`,
  );
  return rows.map((r) => {
    const level = Math.max(...(r.steps as string[]).map((s) => LEVELS.indexOf(s)));
    return {
      code: r.code as string,
      unit: r.unit as string,
      level: LEVELS[level]!,
      fired: r.fired as number,
      days: level > 0 ? Math.max(r.fired, daysBetween(r.due, today())) : daysBetween(r.due, today()),
    };
  });
}

describe('the project list’s overdue facts', () => {
  it('sorts by today’s days late, most first, and shows each project’s latest deadline with its unit and level', async () => {
    const all = (await ladders()).filter((l) => l.level !== 'reminder');
    const worst = new Map<string, number>();
    for (const l of all) worst.set(l.code, Math.max(worst.get(l.code) ?? -Infinity, l.days));
    const want = [...worst].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1));
    expect(want.length).toBeGreaterThanOrEqual(3);

    const res = await leader.get('/api/projects?overdue=any&sort=daysLate&order=desc&pageSize=5');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(worst.size);
    expect(res.body.items.map((p: any) => [p.code, p.overdue.daysLate])).toEqual(want.slice(0, 5));
    for (const p of res.body.items) {
      const mine = all.filter((l) => l.code === p.code && l.days === p.overdue.daysLate);
      expect(mine.map((l) => l.unit)).toContain(p.overdue.responsibleUnit.code);
      expect(mine.map((l) => l.level)).toContain(p.overdue.step);
      expect(p.overdue.ladders).toBe(all.filter((l) => l.code === p.code).length);
    }
    // Today's lateness, not the lateness of the day the ladder's last step fired.
    const top = all.find((l) => l.code === want[0]![0] && l.days === want[0]![1])!;
    expect(top.days).toBeGreaterThan(top.fired);
  });

  it('is null for a project with nothing overdue, and a project without any sorts as least late', async () => {
    const res = await leader.get('/api/projects?sort=daysLate&order=asc&pageSize=200');
    const late = new Set((await ladders()).filter((l) => l.level !== 'reminder').map((l) => l.code));
    const onTime = res.body.items.filter((p: any) => !late.has(p.code));
    expect(onTime.length).toBeGreaterThan(0);
    for (const p of onTime) expect(p.overdue).toBeNull();
    expect(
      res.body.items
        .slice(0, onTime.length)
        .map((p: any) => p.code)
        .sort(),
    ).toEqual(onTime.map((p: any) => p.code).sort());
  });

  it('filters by ladder level: the projects with a deadline at exactly that level now', async () => {
    const all = await ladders();
    for (const level of LEVELS) {
      const want = new Set(all.filter((l) => l.level === level).map((l) => l.code));
      const res = await leader.get(`/api/projects?ladder=${level}&pageSize=200`);
      expect(res.status, level).toBe(200);
      expect(new Set(res.body.items.map((p: any) => p.code)), level).toEqual(want);
    }
    expect(all.some((l) => l.level === 'interview')).toBe(true);
    const bad = await leader.get('/api/projects?ladder=late');
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error)).toContain('ladder');
  });
});

describe('the dashboard’s overdue units and the list they open', () => {
  it('count deadlines and projects apart; the projects are the list’s total for that unit', async () => {
    const dash = await leader.get('/api/stats/dashboard');
    const units = dash.body.overdue.byUnit as { unit: { code: string }; count: number; projects: number }[];
    expect(units.length).toBeGreaterThanOrEqual(2);
    const all = (await ladders()).filter((l) => l.level !== 'reminder');
    // Some unit answers for more deadlines than projects: the two figures differ there.
    expect(units.some((u) => u.count > u.projects)).toBe(true);
    for (const u of units) {
      const mine = all.filter((l) => l.unit === u.unit.code);
      expect(u.count).toBe(mine.length);
      expect(u.projects).toBe(new Set(mine.map((l) => l.code)).size);
      const list = await leader.get(`/api/projects?overdue=any&overdueUnit=${u.unit.code}&pageSize=1`);
      expect(list.body.total, u.unit.code).toBe(u.projects);
    }
  });
});

describe('a project’s alerts', () => {
  it('give today’s days late beside the days late on the day each step fired', async () => {
    const { rows } = await stack.db.query(
      `SELECT p.code FROM alert a JOIN project p ON p.id = a.project_id
        WHERE a.status = 'active' AND a.step = 'interview' ORDER BY p.code LIMIT 1`,
    );
    const res = await leader.get(`/api/projects/${rows[0].code}/alerts`);
    expect(res.status).toBe(200);
    const active = res.body.items.filter((a: any) => a.status === 'active' && a.step !== 'reminder');
    expect(active.length).toBeGreaterThanOrEqual(3);
    for (const a of active) expect(a.daysLateNow).toBe(Math.max(a.daysLate, daysBetween(a.dueDate, today())));
    // The steps fired at 1, 8, 23 … days; today every one of them reads the same, larger figure.
    expect(new Set(active.map((a: any) => a.daysLate)).size).toBeGreaterThan(1);
    expect(active.some((a: any) => a.daysLateNow > a.daysLate)).toBe(true);
  });
});
