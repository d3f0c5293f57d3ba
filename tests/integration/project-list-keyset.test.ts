/**
 * Keyset paging of the project list against page numbers: for every sort the list offers (each
 * column, both directions, and the default order, which is year descending but code ascending), a
 * walk by `nextCursor` gives exactly the pages `page=1…n` read by OFFSET, and a walk back by
 * `prevCursor` gives them again, for the county and for a township. The county holds ties on every
 * sort column (projects registered alike, differing only in their code) and projects with no
 * overdue ladder (daysLate's missing value), and names of the longest length registration accepts,
 * which a cursor of the name order carries. Rows inserted or changed between two pages are found
 * where the order now puts them after the page's last row, never twice unless they moved past it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_SORT_COLUMNS } from '#domain/schemas.js';
import { aProject } from '../support/builders.js';
import { alertsSettled, seedSmallCounty } from '../support/dashboard-figures.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, walkTo, type Actors } from '../support/walk.js';

let stack: TestStack;
let county: Session;
let township: Session;
let actors: Actors;
const underway: string[] = [];
beforeAll(async () => {
  stack = await startTestStack({ deadlines: { enabled: true } });
  await seedSmallCounty(stack);
  actors = await loginActors(stack);
  // Alike but for their codes: ties on name, year, budget, stage, dates, progress and lateness.
  for (let i = 0; i < 5; i++) await register({ name: '白台村人饮巩固提升工程', year: 2027 });
  // Names as long as registration takes (200 characters): a cursor carries the name it sorts by.
  for (let i = 0; i < 3; i++) await register({ name: `${'长'.repeat(196)}饮水工程`, year: 2027 });
  // And two of an earlier year, whose planned dates lie before the demo county's.
  for (let i = 0; i < 2; i++) await register({ name: '白台村产业路', year: 2025, ...dates(2025) });
  // Two under way, whose progress the tests below report between pages.
  for (let i = 0; i < 2; i++) {
    const { id } = await register({ name: '白台村机耕道', ...dates(2026) });
    await walkTo(actors, id, 'underway');
    underway.push(id);
  }
  await alertsSettled(stack);
  county = await Session.login(stack.baseUrl, 'leader');
  township = await Session.login(stack.baseUrl, 'xqz.view');
}, 300_000);
afterAll(async () => {
  await stack?.stop();
});

const dates = (year: number) => ({
  approvalDocumentNo: `城扶发〔${year}〕3号`,
  plannedDates: {
    start: `${year}-04-01`,
    completion: `${year}-08-31`,
    acceptance: `${year}-09-30`,
    reimbursement: `${year}-11-30`,
  },
});

async function register(overrides: Parameters<typeof aProject>[0]): Promise<{ id: string; code: string }> {
  const res = await actors.dept.post('/api/projects', aProject(overrides));
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const SORTS = ['', ...PROJECT_SORT_COLUMNS.flatMap((c) => [`sort=${c}`, `sort=${c}&order=desc`])];
const PAGE = 3;
type ListBody = {
  items: { code: string; id: string }[];
  nextCursor: string | null;
  prevCursor: string | null;
};
const codes = (b: ListBody) => b.items.map((i) => i.code);

async function list(who: Session, qs: string): Promise<ListBody> {
  const res = await who.get(`/api/projects?${qs}&pageSize=${PAGE}`);
  expect(res.status, `${qs}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

/** The pages by number (OFFSET), until one comes back short. */
async function pagesByOffset(who: Session, qs: string): Promise<string[][]> {
  const pages: string[][] = [];
  for (let page = 1; ; page++) {
    const got = codes(await list(who, `${qs}&page=${page}`));
    if (got.length) pages.push(got);
    if (got.length < PAGE) return pages;
  }
}

describe.each([
  ['the county', () => county],
  ['a township', () => township],
])('keyset paging for %s', (_who, who) => {
  it.each(SORTS)('%s: pages by cursor, forward and back, are the pages by number', async (qs) => {
    const byOffset = await pagesByOffset(who(), qs);
    const all = codes((await who().get(`/api/projects?${qs}&pageSize=200`)).body);
    expect(byOffset.flat()).toEqual(all);
    expect(all.length).toBeGreaterThan(2 * PAGE);

    let body = await list(who(), qs);
    const forward = [codes(body)];
    while (body.nextCursor) {
      body = await list(who(), `${qs}&after=${body.nextCursor}`);
      forward.push(codes(body));
    }
    expect(forward).toEqual(byOffset);

    const backward = [codes(body)];
    while (body.prevCursor) {
      body = await list(who(), `${qs}&before=${body.prevCursor}`);
      backward.unshift(codes(body));
    }
    expect(backward).toEqual(byOffset);
  });
});

describe.each([
  ['the county', () => county],
  ['a township', () => township],
])("a text search's total for %s", (_who, who) => {
  // A search's page carries its total (one search a read): every page, and one past the last,
  // must say how many the search finds in the caller's scope, as a list without a search does.
  it.each(['白台村', '机耕道', 'no-such-project-anywhere'])('%s', async (term) => {
    const qs = `q=${encodeURIComponent(term)}`;
    const all = (await who().get(`/api/projects?${qs}&pageSize=200`)).body as ListBody & { total: number };
    expect(all.total).toBe(all.items.length);
    if (term === '白台村') expect(all.total).toBeGreaterThan(2 * PAGE);
    const pages = Math.max(1, Math.ceil(all.total / PAGE));
    for (const page of [1, 2, pages, pages + 1, 50]) {
      const body = (await list(who(), `${qs}&page=${page}`)) as ListBody & {
        total: number;
        totalCapped: boolean;
      };
      expect(body.total, `page ${page}`).toBe(all.total);
      expect(body.totalCapped).toBe(false);
      expect(codes(body)).toEqual(all.items.slice((page - 1) * PAGE, page * PAGE).map((i) => i.code));
    }
    const first = await list(who(), qs);
    if (first.nextCursor) {
      const after = (await list(who(), `${qs}&after=${first.nextCursor}`)) as ListBody & { total: number };
      expect(after.total).toBe(all.total);
    }
  });
});

describe('keyset paging while the list changes', () => {
  let percent = 50;
  it.each([
    '',
    'sort=code&order=desc',
    'sort=name',
    'sort=budget&order=desc',
    'sort=updated',
    'sort=progress&order=desc',
  ])(
    '%s: rows inserted or changed between pages come after the last row seen as the order now has them',
    async (qs) => {
      let body = await list(county, qs);
      const seen = [...codes(body)];
      body = await list(county, `${qs}&after=${body.nextCursor}`);
      seen.push(...codes(body));
      const before = [...seen];
      const last = before[before.length - 1]!;

      // A project that sorts anywhere, and a step (progress, updated) on one not at the cursor.
      await register({
        name: '白台村人饮巩固提升工程',
        budgetFen: 15_000_000,
        fundSources: [{ kind: 'countySpecial', amountFen: 15_000_000 }],
      });
      const lastId = (await county.get(`/api/projects/${last}`)).body.id;
      const other = underway.find((id) => id !== lastId)!;
      percent += 5;
      const stepped = await take(actors, other, 'reportProgress', {
        body: { action: 'reportProgress', month: '2026-11', percent, narrative: '路基完成' },
      });
      expect(stepped.status, JSON.stringify(stepped.body)).toBe(200);
      await alertsSettled(stack);

      while (body.nextCursor) {
        body = await list(county, `${qs}&after=${body.nextCursor}`);
        seen.push(...codes(body));
      }
      const now = (await pagesByOffset(county, qs)).flat();
      expect(now).toContain(last);
      expect(seen).toEqual([...before, ...now.slice(now.indexOf(last) + 1)]);
    },
  );
});

describe('a text search typed the other way round from the name', () => {
  // An input method in full-width mode types ＣＫ２０２６ for CK2026; a laptop's keyboard types the
  // ASCII brackets of a name written with Chinese ones. Either finds the project, in every order.
  let code = '';
  beforeAll(async () => {
    code = (await register({ name: '修齐镇通组路硬化（一期）', year: 2027 })).code;
  });
  it.each([
    ['the county', () => county],
    ['a township', () => township],
  ])('%s', async (_who, who) => {
    const wide = code.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    for (const term of ['硬化(一期)', '硬化（一期）', wide, code.toLowerCase()])
      for (const sort of ['', '&sort=budget&order=desc']) {
        const body = (await list(who(), `q=${encodeURIComponent(term)}${sort}`)) as ListBody & {
          total: number;
        };
        expect({ term, sort, total: body.total, codes: codes(body) }).toEqual({
          term,
          sort,
          total: 1,
          codes: [code],
        });
      }
    const none = (await list(who(), `q=${encodeURIComponent('硬化（二期）')}`)) as ListBody & {
      total: number;
    };
    expect(none.total).toBe(0);
  });
});
