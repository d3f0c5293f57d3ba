/**
 * What the complaint tests share: a form token, a submission (JSON or multipart with photos) as
 * a villager's phone sends it, and the office's steps.
 */
import { expect } from 'vitest';
import { PHOTO } from './rectification.js';
import type { Session } from './stack.js';

export { PHOTO };
/** A reporter who gives a name and a phone: neither may ever reach the unit. */
export const REPORTER = { name: '举报人王秀英', phone: '13912345678' };

export async function formToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/public/api/complaints/form-token`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { formToken: string }).formToken;
}

export interface Submission {
  project?: string;
  village?: string;
  category?: string;
  description?: string;
  anonymous?: boolean;
  name?: string;
  phone?: string;
  website?: string;
  formToken?: string;
}

/** Sends a complaint as multipart/form-data (the HTML form's encoding) to the JSON api. */
export async function submitMultipart(
  baseUrl: string,
  fields: Submission,
  photos: { bytes: Uint8Array; type: string; name: string }[] = [],
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  const all = { category: 'funds', description: '村道硬化工程偷工减料，路面已开裂', ...fields };
  all.formToken ??= await formToken(baseUrl);
  for (const [k, v] of Object.entries(all)) {
    if (v === undefined) continue;
    if (k === 'anonymous') {
      if (v) form.append('anonymous', '1');
    } else form.append(k, String(v));
  }
  for (const p of photos) form.append('photos', new Blob([p.bytes], { type: p.type }), p.name);
  const res = await fetch(`${baseUrl}/public/api/complaints`, { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as any };
}

/** Sends a complaint as JSON. */
export async function submitJson(baseUrl: string, fields: Submission, headers: Record<string, string> = {}) {
  const body = {
    category: 'funds',
    description: '村道硬化工程偷工减料，路面已开裂',
    anonymous: true,
    ...fields,
    formToken: fields.formToken ?? (await formToken(baseUrl)),
  };
  const res = await fetch(`${baseUrl}/public/api/complaints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

export async function lookup(baseUrl: string, receipt: string) {
  const res = await fetch(`${baseUrl}/public/api/complaints/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ receipt }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as any };
}

/** The complaint's id as the office finds it in its list (the newest first). */
export async function idOfNewest(office: Session): Promise<string> {
  const res = await office.get('/api/complaints?pageSize=1');
  expect(res.status).toBe(200);
  return res.body.items[0].id as string;
}

export async function step(s: Session, id: string, name: string, body: Record<string, unknown> = {}) {
  const res = await s.post(`/api/complaints/${id}/${name}`, body);
  expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}
