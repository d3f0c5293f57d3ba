/**
 * What a reviewer found walking the portal on a phone and a desktop: a cancelled project's report
 * button (its own form), the language lost on the way to the form, a project code typed in lower
 * case, an odd `lang`, the per-minute limit answered in JSON, and the complaint form's refusals (a
 * body over its limit, technical messages, the hourly limit throwing the text away).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHOTO } from '../support/complaints.js';
import { aProject } from '../support/builders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;
let live: string;
let cancelled: string;

const MB = 1024 * 1024;

async function create(): Promise<{ id: string; code: string }> {
  const res = await actors.dept.post(
    '/api/projects',
    aProject({ budgetFen: 1_000_000, fundSources: [{ kind: 'countySpecial', amountFen: 1_000_000 }] }),
  );
  expect(res.status).toBe(201);
  return { id: res.body.id as string, code: res.body.code as string };
}

beforeAll(async () => {
  stack = await startTestStack({
    complaints: { limits: { minFillMs: 200, submitPerHour: 2, maxPhotoBytes: 1 * MB } },
    publicRatePerMinute: 300,
  });
  actors = await loginActors(stack);
  live = (await create()).code;
  const c = await create();
  expect((await take(actors, c.id, 'cancel')).status).toBe(200);
  cancelled = c.code;
}, 600_000);
afterAll(async () => {
  await stack?.stop();
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    headers: { Accept: 'text/html', ...headers },
    redirect: 'manual',
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    location: res.headers.get('location'),
    text: await res.text(),
  };
};

/** The form posted as a browser posts it, to the action its page names. */
async function post(
  lang: 'zh-CN' | 'en',
  fields: Record<string, string>,
  photos: { name: string; data: Uint8Array }[] = [],
) {
  const q = lang === 'en' ? '&lang=en' : '';
  const page = (await get(`/public/complaints/new?project=${live}${q}`)).text;
  const action = /<form class="card" method="post" action="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
  const formToken = /name="formToken" value="([^"]+)"/.exec(page)![1]!;
  await new Promise((r) => setTimeout(r, 300));
  const form = new FormData();
  form.append('project', live);
  form.append('formToken', formToken);
  form.append('category', 'quality');
  form.append('anonymous', '1');
  form.append('website', '');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  for (const p of photos) form.append('photos', new Blob([p.data], { type: 'image/jpeg' }), p.name);
  if (!photos.length) form.append('photos', new Blob([]), '');
  const res = await fetch(`${stack.baseUrl}${action}`, {
    method: 'POST',
    body: form,
    headers: { Origin: new URL(stack.baseUrl).origin, 'Sec-Fetch-Site': 'same-origin', Accept: 'text/html' },
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}
const alert = (html: string) =>
  /<div class="card error" role="alert">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
const textarea = (html: string) => /<textarea[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1];

describe('a cancelled project', () => {
  it('says on its page that it can still be reported on, and leads to its own form, which opens', async () => {
    const page = (await get(`/public/projects/${cancelled}`)).text;
    expect(page).toContain('本项目虽已终止，仍可举报');
    const href = /<a class="btn" id="report" href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    expect(href).toBe(`/public/complaints/new?project=${cancelled}`);
    const form = await get(href);
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="formToken"');
  });

  it('is named on the form addressed to it, which says it was cancelled, instead of the page for no subject', async () => {
    const form = await get(`/public/complaints/new?project=${cancelled}`);
    expect(form.status).toBe(200);
    expect(form.text).not.toContain('请先在公示页面找到要举报的项目');
    expect(form.text).toContain('该项目已终止');
    expect(form.text).toContain(`<input type="hidden" name="project" value="${cancelled}">`);
  });
});

describe('the language on the way to the form', () => {
  it('is kept by the report links of the English project and village pages', async () => {
    const page = (await get(`/public/projects/${live}?lang=en`)).text;
    const href = /<a class="btn" id="report" href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    expect(href).toBe(`/public/complaints/new?project=${live}&lang=en`);
    const village = /href="\/public\/villages\/([a-z0-9-]+)\?lang=en"/.exec(page)![1]!;
    const vpage = (await get(`/public/villages/${village}?lang=en`)).text;
    expect(vpage).toContain(`href="/public/complaints/new?village=${village}&amp;lang=en"`);
    expect((await get(`/public/complaints/new?project=${live}&lang=en`)).text).toContain(
      '<h1>Report a problem</h1>',
    );
  });

  it('takes ?lang=EN as English and an unknown one as Chinese: a page, not a JSON 422', async () => {
    for (const [q, h1] of [
      ['EN', 'public project funds'],
      ['en-GB', 'public project funds'],
      ['zh', '扶贫项目资金公开'],
      ['xx', '扶贫项目资金公开'],
    ] as const) {
      const res = await get(`/public?lang=${q}`);
      expect(res.status, q).toBe(200);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.text).toContain(h1);
    }
    expect((await get(`/public/projects/${live}?lang=EN`)).text).toContain('Report a problem');
  });
});

describe('a project code typed in another case', () => {
  it('is sent to the project’s page', async () => {
    const res = await get(`/public/projects/${live.toLowerCase()}?lang=en`);
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/public/projects/${live}?lang=en`);
    // In full width, as a Chinese input method types it: sent on until it is the stored code.
    const fullWidth = live
      .toLowerCase()
      .replace(/[a-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const followed = await fetch(`${stack.baseUrl}/public/projects/${encodeURIComponent(fullWidth)}`, {
      headers: { Accept: 'text/html' },
    });
    expect(followed.status).toBe(200);
    expect(new URL(followed.url).pathname).toBe(`/public/projects/${live}`);
    expect((await get('/public/projects/ck1999-000')).status).toBe(404);
  });
});

describe('the complaint form’s refusals', () => {
  it('answers a body over its limit with the form in the page’s language, naming the photos and the limit', async () => {
    const big = new Uint8Array(7 * MB); // over twice the 3 photos of 1 MB the form may carry
    big.set([0xff, 0xd8, 0xff]);
    for (const lang of ['zh-CN', 'en'] as const) {
      const res = await post(lang, { description: '村道路面开裂严重，需要核查。' }, [
        { name: 'big.jpg', data: big },
      ]);
      expect(res.status).toBe(413);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.text).not.toContain('PAYLOAD_TOO_LARGE');
      expect(alert(res.text)).toContain(
        lang === 'en' ? 'photos are too large: at most 1 MB each' : '照片太大：每张不能超过 1 MB',
      );
    }
  });

  it('refuses one photo over its limit with the text kept, naming the photo', async () => {
    const big = new Uint8Array(1.5 * MB);
    big.set([0xff, 0xd8, 0xff]);
    const res = await post('zh-CN', { description: '村道路面开裂严重，需要核查。' }, [
      { name: 'road.jpg', data: big },
    ]);
    expect(res.status).toBe(413);
    expect(alert(res.text)).toContain('照片“road.jpg”超过 1 MB');
    expect(alert(res.text)).not.toContain('body.');
    expect(textarea(res.text)).toBe('村道路面开裂严重，需要核查。');
    const en = await post('en', { description: 'The road surface is cracked.' }, [
      { name: 'road.jpg', data: big },
    ]);
    expect(alert(en.text)).toContain('The photo “road.jpg” is larger than 1 MB');
  });

  it('says what is wrong with the text in a plain sentence of the page’s language', async () => {
    const empty = await post('zh-CN', { description: '' });
    expect(empty.status).toBe(422);
    expect(alert(empty.text)).toContain('请填写举报内容，至少写 5 个字。');
    expect(alert(empty.text)).not.toMatch(/缺少此项|须为文本|expected/);
    const emptyEn = await post('en', { description: '' });
    expect(alert(emptyEn.text)).toContain('Please write what happened, at least 5 characters.');
    expect(alert(emptyEn.text)).not.toMatch(/Invalid input|expected/);
    const long = await post('zh-CN', { description: '路'.repeat(2100) });
    expect(alert(long.text)).toContain('举报内容最多 2000 个字，现在有 2100 个字');
    expect(alert(long.text)).not.toMatch(/Too big|expected/);
    expect(textarea(long.text)).toBe('路'.repeat(2100));
  });

  it('counts accepted reports only, and when limited keeps the text and says when to send again', async () => {
    // The refusals above did not count: two reports go through.
    for (let i = 0; i < 2; i++) {
      const ok = await post('zh-CN', { description: `第 ${i + 1} 件：村道路面开裂严重。` }, [
        { name: 'p.png', data: PHOTO },
      ]);
      expect(ok.status, alert(ok.text)).toBe(201);
    }
    const limited = await post('en', { description: 'A third report, kept when refused.' });
    expect(limited.status).toBe(429);
    expect(alert(limited.text)).toMatch(/At most 2 reports an hour .* in \d+ minutes/);
    expect(textarea(limited.text)).toBe('A third report, kept when refused.');
  });
});

describe('the per-minute limit of page views', () => {
  it('answers a small page in the page’s language, not JSON', async () => {
    let res = await get('/public?lang=en');
    for (let i = 0; i < 400 && res.status !== 429; i++) res = await get('/public/projects/none-such?lang=en');
    expect(res.status).toBe(429);
    expect(res.type).toMatch(/^text\/html/);
    expect(res.text).toContain('Too many requests');
    expect(res.text).toMatch(/reload this page in \d+ seconds/);
    expect((await fetch(`${stack.baseUrl}/public/changes?limit=1`)).headers.get('content-type')).toMatch(
      /json/,
    );
  });
});
