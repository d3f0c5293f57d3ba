/**
 * The public complaint form posted as Chromium posts it (multipart, the empty honeypot and the
 * file input, and the Origin its page's referrer policy lets it send), through the portal's public
 * router: the answer is a page — the receipt, or the form again with the refusal — never JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHOTO } from '../support/complaints.js';
import { aProjectOfXqz } from '../support/rectification.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const HAN = /\p{Script=Han}/u;

let stack: TestStack;
let project: string;

beforeAll(async () => {
  // More posts than one client may send in an hour by default: each test posts several.
  stack = await startTestStack({ complaints: { limits: { minFillMs: 200, submitPerHour: 50 } } });
  project = await aProjectOfXqz(stack);
});
afterAll(async () => {
  await stack?.stop();
});

/** Posts the form to `action` (the English form's is `/public/complaints/new?lang=en`: the project is in the body). */
async function browserPost(
  token: string,
  headers: Record<string, string>,
  action = `/public/complaints/new?project=${project}`,
  description = '村道硬化路面铺设不足设计厚度，已经开裂。',
) {
  const form = new FormData();
  form.append('project', project);
  form.append('formToken', token);
  form.append('category', 'quality');
  form.append('description', description);
  form.append('photos', new Blob([PHOTO], { type: 'image/png' }), 'road.png');
  form.append('anonymous', '1');
  form.append('name', '');
  form.append('phone', '');
  form.append('website', '');
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 20_000);
  try {
    const res = await fetch(`${stack.baseUrl}${action}`, {
      method: 'POST',
      body: form,
      headers,
      signal: ac.signal,
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

async function freshToken() {
  const page = await fetch(`${stack.baseUrl}/public/complaints/new?project=${project}`);
  // Under helmet's default no-referrer, Chromium posts the form with `Origin: null`.
  expect(page.headers.get('referrer-policy')).toBe('same-origin');
  const token = /name="formToken" value="([^"]+)"/.exec(await page.text())![1]!;
  await new Promise((r) => setTimeout(r, 300));
  return token;
}

describe('the public complaint form, posted as a browser posts it', () => {
  it('answers the receipt page for a post from its own page, whether its Origin is named or null', async () => {
    for (const headers of [
      { Origin: new URL(stack.baseUrl).origin, 'Sec-Fetch-Site': 'same-origin' },
      { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' },
    ]) {
      const res = await browserPost(await freshToken(), headers);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.status, res.text.slice(-400)).toBe(201);
      expect(res.text).toMatch(/<h1>举报已提交<\/h1>/);
      expect(res.text).toMatch(/data-receipt>[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}</);
    }
  });

  it('refuses a cross-site post with the form page and its alert, not JSON', async () => {
    for (const headers of [
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' },
    ]) {
      const res = await browserPost(await freshToken(), headers);
      expect(res.status).toBe(403);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.text).toMatch(/role="alert"[\s\S]*跨站请求被拒绝/);
    }
  });
});

/** The footer's link to the page in the other language, as the browser resolves it. */
function languageLink(html: string, from: string | URL): URL {
  const href = /<footer>[\s\S]*?<a href="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  return new URL(href, from);
}

describe('the form’s language link', () => {
  it('keeps the project the form is about, both ways and on the page of a refused post', async () => {
    const zhUrl = `${stack.baseUrl}/public/complaints/new?project=${project}`;
    const enUrl = languageLink(await (await fetch(zhUrl)).text(), zhUrl);
    expect(Object.fromEntries(enUrl.searchParams)).toEqual({ project, lang: 'en' });
    const en = await fetch(enUrl);
    const enHtml = await en.text();
    expect(en.status).toBe(200);
    expect(enHtml).toContain('<h1>Report a problem</h1>');
    expect(enHtml).toContain(`name="project" value="${project}"`);
    expect(Object.fromEntries(languageLink(enHtml, enUrl).searchParams)).toEqual({ project, lang: 'zh-CN' });

    // Refused, the English form comes back from its action, whose address names no project.
    const origin = { Origin: new URL(stack.baseUrl).origin, 'Sec-Fetch-Site': 'same-origin' };
    const refused = await browserPost('not-a-token', origin, '/public/complaints/new?lang=en');
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(/role="alert"/);
    const back = languageLink(refused.text, `${stack.baseUrl}/public/complaints/new?lang=en`);
    expect(Object.fromEntries(back.searchParams)).toEqual({ project, lang: 'zh-CN' });
    const zh = await (await fetch(back)).text();
    expect(zh).toContain('<h1>我要举报</h1>');
    expect(zh).toContain(`name="project" value="${project}"`);
  });
});

describe('the form opened without a project or village', () => {
  it('leads to the public pages to find one, in the page’s language, with no form to fill', async () => {
    for (const [query, home, words] of [
      ['', '/public', '找到要举报的项目'],
      ['?lang=en', '/public?lang=en', 'First find the project'],
    ] as const) {
      const res = await fetch(`${stack.baseUrl}/public/complaints/new${query}`);
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(html).toContain(words);
      expect(html).toContain(`<a href="${home}">`);
      expect(html).not.toContain('<form');
    }
  });
});

/** The words of a form page's refusal alert, without its markup. */
function alertText(html: string): string {
  const alert = /<div class="card error" role="alert">([\s\S]*?)<\/div>/.exec(html);
  expect(alert, html.slice(0, 400)).not.toBeNull();
  return alert![1]!.replace(/<[^>]+>/g, ' ');
}

describe('a refused post, in the form’s language', () => {
  it('says what is wrong only in English on the English form, only in Chinese on the Chinese one', async () => {
    const origin = { Origin: new URL(stack.baseUrl).origin, 'Sec-Fetch-Site': 'same-origin' };
    for (const lang of ['en', 'zh-CN'] as const) {
      const action = `/public/complaints/new?project=${project}${lang === 'en' ? '&lang=en' : ''}`;
      // A description the schema's own rule refuses, and a form token the service refuses.
      const short = await browserPost(await freshToken(), origin, action, '太短');
      const forged = await browserPost('not-a-token', origin, action);
      expect([short.status, forged.status]).toEqual([422, 422]);
      const said = [alertText(short.text), alertText(forged.text)];
      if (lang === 'en') {
        expect(said[0]).toContain('What happened is too short: please write at least 5 characters.');
        expect(said[1]).toContain('the form is invalid or expired');
        for (const s of said) expect(s).not.toMatch(HAN);
      } else {
        expect(said[0]).toContain('举报内容太短，请至少写 5 个字。');
        expect(said[1]).toContain('表单已失效');
        for (const s of said) expect(s).not.toMatch(/[A-Za-z]/);
      }
    }
  });
});

describe('a refused lookup, in the page’s language', () => {
  it('says it only in English on the English page, only in Chinese on the Chinese one', async () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const res = await fetch(`${stack.baseUrl}/public/complaints/lookup${lang === 'en' ? '?lang=en' : ''}`, {
        method: 'POST',
        headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
        body: new URLSearchParams({ receipt: 'ABCD-EFGH-JKLM' }),
      });
      expect(res.status).toBe(403);
      const said = alertText(await res.text());
      if (lang === 'en') expect(said).toBe('cross-site request refused');
      else expect(said).toBe('跨站请求被拒绝');
    }
  });
});
