/**
 * A policy document stored while the tokenizer dropped full-width letters and digits is found by
 * its number once its vectors are cut again, by the migration that does so on upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulletinVector } from '#domain/bulletin-search.js';
import { migrateAgain } from '../support/migrations.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const MIGRATION = 'Migration20261220000000_policy_search_nfkc';
let stack: TestStack;
let office: Session;

beforeAll(async () => {
  stack = await startTestStack();
  office = await Session.login(stack.baseUrl, 'tpgjb.op');
});
afterAll(async () => {
  await stack?.stop();
});

describe('policy search vectors cut again on upgrade', () => {
  it('finds by its full-width number a document stored before, and leaves the others as they were', async () => {
    const post = async (documentNo: string, title: string, body: string) => {
      const res = await office.post('/api/policies', {
        title,
        documentNo,
        issuer: '城口县财政局',
        level: 'county',
        category: 'funds',
        issuedOn: '2024-03-15',
        body,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const wide = await post(
      '城财农〔２０２４〕１２号',
      '衔接资金管理实施细则',
      '摘要：补助资金的分配与使用。',
    );
    // No character of it changes under NFKC (not even a full-width colon), so the migration must
    // leave its vectors alone: a sentinel written in their place shows whether it did.
    const plain = await post('城财农〔2023〕5号', '项目库管理办法', '项目库的入库、调整与退出。');
    // What the old tokenizer wrote: a full-width letter or digit was no token, a separator.
    const old = (t: string) => t.replace(/[０-９Ａ-Ｚａ-ｚ]/g, ' ');
    await stack.db.query(
      `UPDATE policy_document SET title_search = $1::tsvector, search = $2::tsvector WHERE id = $3`,
      [
        bulletinVector([{ text: old('衔接资金管理实施细则'), weight: 'D' }]),
        bulletinVector([
          { text: old('衔接资金管理实施细则'), weight: 'A' },
          { text: old('城财农〔２０２４〕１２号 城口县财政局'), weight: 'B' },
          { text: '摘要：补助资金的分配与使用。', weight: 'C' },
        ]),
        wide,
      ],
    );
    await stack.db.query(`UPDATE policy_document SET search = 'sentinel'::tsvector WHERE id = $1`, [plain]);
    const vectors = async (id: string) =>
      (await stack.db.query(`SELECT search::text AS s FROM policy_document WHERE id = $1`, [id])).rows[0].s;
    const found = async (q: string) =>
      ((await office.get(`/api/policies?q=${encodeURIComponent(q)}`)).body.items as { id: string }[]).map(
        (i) => i.id,
      );
    expect(await found('〔2024〕12号')).toEqual([]);

    await migrateAgain(stack.databaseUrl, MIGRATION);
    expect(await found('〔2024〕12号')).toEqual([wide]);
    expect(await found('城财农〔２０２４〕１２号')).toEqual([wide]);
    expect(await vectors(plain)).toBe("'sentinel'");
  });
});
