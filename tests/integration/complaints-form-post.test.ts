/**
 * The public complaint form posted as Chromium posts it (multipart, the empty honeypot and the
 * file input, and the Origin its page's referrer policy lets it send), through the portal's public
 * router: the answer is a page — the receipt, or the form again with the refusal — never JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHOTO } from '../support/complaints.js';
import { aProjectOfXqz } from '../support/rectification.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let project: string;

beforeAll(async () => {
  stack = await startTestStack({ complaints: { limits: { minFillMs: 200 } } });
  project = await aProjectOfXqz(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function browserPost(token: string, headers: Record<string, string>) {
  const form = new FormData();
  form.append('project', project);
  form.append('formToken', token);
  form.append('category', 'quality');
  form.append('description', '村道硬化路面铺设不足设计厚度，已经开裂。');
  form.append('photos', new Blob([PHOTO], { type: 'image/png' }), 'road.png');
  form.append('anonymous', '1');
  form.append('name', '');
  form.append('phone', '');
  form.append('website', '');
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 20_000);
  try {
    const res = await fetch(`${stack.baseUrl}/public/complaints/new?project=${project}`, {
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
