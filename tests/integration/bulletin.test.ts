/**
 * 通知公告, 政策法规 and 网络寻呼 over HTTP: who sees which notice and thread, read receipts, Chinese
 * full-text search (hits, misses, title first, filters, and its plan and time over 3000 documents),
 * attachments with their SHA-256, and bad input answered as JSON naming the field.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyInsert } from '#db/writes/policy-document.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session; // 县脱贫攻坚办 operator
let mbz: Session; // 庙坝镇 operator
let mbzView: Session;
let xqz: Session; // 修齐镇 operator
let leader: Session;
let swj: Session; // 县水务局 operator

beforeAll(async () => {
  stack = await startTestStack();
  const login = (u: string) => Session.login(stack.baseUrl, u);
  [office, mbz, mbzView, xqz, leader, swj] = await Promise.all([
    login('tpgjb.op'),
    login('mbz.op'),
    login('mbz.view'),
    login('xqz.op'),
    login('leader'),
    login('swj.op'),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('通知附件'.repeat(40)),
]);
const PDF = Buffer.from('%PDF-1.4\n% 会议通知\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function upload(s: Session, bytes: Buffer, type: string, name: string): Promise<string> {
  const res = await s.upload(
    `/api/bulletin-attachments?fileName=${encodeURIComponent(name)}`,
    bytes,
    type,
    name,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  return res.body.id as string;
}

const notice = (over: Record<string, unknown> = {}) => ({
  title: '关于开展扶贫项目资金专项检查的通知',
  body: '各乡镇：为加强扶贫项目资金监管，定于下月开展专项检查，请做好自查准备。',
  category: 'notice',
  issuer: '县脱贫攻坚办',
  issuedOn: '2026-12-01',
  ...over,
});

const auditRows = async (action: string, entityId: string) =>
  (
    await stack.db.query('SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND entity_id = $2', [
      action,
      entityId,
    ])
  ).rows[0].n as number;

describe('通知公告', () => {
  let id: string;
  let attachmentId: string;

  it('an office publishes a notice to one township with an attachment; only that township (and county-wide accounts) see it', async () => {
    attachmentId = await upload(office, PNG, 'image/png', '检查方案.png');
    const res = await office.post(
      '/api/notices',
      notice({ unitCodes: ['mbz'], attachmentIds: [attachmentId] }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    id = res.body.id;
    expect(res.body.recipients.map((r: { code: string }) => r.code)).toEqual(['mbz']);
    expect(res.body.attachments.map((a: { id: string }) => a.id)).toEqual([attachmentId]);
    expect(await auditRows('notice.publish', id)).toBe(1);

    const mine = await mbz.get('/api/notices');
    expect(mine.status).toBe(200);
    const item = mine.body.items.find((n: { id: string }) => n.id === id);
    expect(item).toMatchObject({ readAt: null, attachmentCount: 1, authorUnit: { code: 'tpgjb' } });
    expect(mine.body.unread).toBeGreaterThanOrEqual(1);

    const other = await xqz.get('/api/notices');
    expect(other.body.items.map((n: { id: string }) => n.id)).not.toContain(id);
    expect((await xqz.get(`/api/notices/${id}`)).status).toBe(404);
    expect((await xqz.post(`/api/notices/${id}/read`)).status).toBe(404);
    expect((await xqz.get(`/api/notices/${id}/attachments/${attachmentId}`)).status).toBe(404);
    expect((await leader.get(`/api/notices/${id}`)).status).toBe(200);
  });

  it('records the first opening per account, and the author sees who read it and which units have not', async () => {
    const first = await mbz.post(`/api/notices/${id}/read`);
    expect(first.status).toBe(200);
    const again = await mbz.post(`/api/notices/${id}/read`);
    expect(again.body.readAt).toBe(first.body.readAt);
    expect(await auditRows('notice.read', id)).toBe(1);

    const listed = (await mbz.get('/api/notices')).body.items.find((n: { id: string }) => n.id === id);
    expect(listed.readAt).toBe(first.body.readAt);
    const unreadOnly = await mbzView.get('/api/notices?unread=true');
    expect(unreadOnly.body.items.map((n: { id: string }) => n.id)).toContain(id);

    const receipts = await office.get(`/api/notices/${id}/receipts`);
    expect(receipts.status).toBe(200);
    expect(receipts.body).toMatchObject({ total: 1, read: 1 });
    expect(receipts.body.units[0].readers).toEqual([
      { name: '庙坝镇操作员', username: 'mbz.op', readAt: first.body.readAt },
    ]);
    // The township itself does not see the office's receipts table.
    expect((await mbz.get(`/api/notices/${id}/receipts`)).status).toBe(403);
  });

  it('addresses every unit of a kind, and shows the units that have not read it as unread', async () => {
    const res = await office.post(
      '/api/notices',
      notice({ title: '全县乡镇会议通知', category: 'meeting', unitKinds: ['township'] }),
    );
    expect(res.status).toBe(201);
    expect(res.body.recipients.map((r: { code: string }) => r.code).sort()).toEqual([
      'bsz',
      'mbz',
      'mtz',
      'xqz',
    ]);
    expect((await xqz.get(`/api/notices/${res.body.id}`)).status).toBe(200);
    expect((await swj.get(`/api/notices/${res.body.id}`)).status).toBe(404);
    await xqz.post(`/api/notices/${res.body.id}/read`);
    const receipts = (await office.get(`/api/notices/${res.body.id}/receipts`)).body;
    expect(receipts).toMatchObject({ total: 4, read: 1 });
    const unread = receipts.units
      .filter((u: { readers: unknown[] }) => u.readers.length === 0)
      .map((u: { code: string }) => u.code);
    expect(unread.sort()).toEqual(['bsz', 'mbz', 'mtz']);
  });

  it('serves the attachment to the addressed township and refuses it once its bytes change on disk', async () => {
    const file = await mbz.download(`/api/notices/${id}/attachments/${attachmentId}`);
    expect(file.status).toBe(200);
    expect(file.bytes.equals(PNG)).toBe(true);
    expect(file.headers.get('x-content-sha256')).toBe(createHash('sha256').update(PNG).digest('hex'));
    const key = (
      await stack.db.query('SELECT storage_key FROM bulletin_attachment WHERE id = $1', [attachmentId])
    ).rows[0].storage_key as string;
    const onDisk = path.join(stack.dataDir, 'archives', key);
    const tampered = Buffer.from(PNG);
    tampered[20] = tampered[20]! ^ 0xff;
    fs.writeFileSync(onDisk, tampered);
    const refused = await mbz.download(`/api/notices/${id}/attachments/${attachmentId}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('ARCHIVE_INTEGRITY_FAILED');
    fs.writeFileSync(onDisk, PNG);
  });

  it('lets only offices and administrators publish', async () => {
    expect((await mbz.post('/api/notices', notice({ unitCodes: ['xqz'] }))).status).toBe(403);
    expect((await leader.post('/api/notices', notice({ unitCodes: ['xqz'] }))).status).toBe(403);
  });
});

describe('政策法规', () => {
  const policy = (over: Record<string, unknown> = {}) => ({
    title: '城口县财政衔接推进乡村振兴补助资金管理实施细则',
    documentNo: '城财农〔2024〕12号',
    issuer: '城口县财政局',
    level: 'county',
    category: 'funds',
    issuedOn: '2024-03-15',
    effectiveOn: '2024-04-01',
    body: '摘要：规定补助资金的分配、使用、项目管理和绩效评价，明确县级各部门的监管责任。',
    ...over,
  });
  const ids = {} as Record<'county' | 'national' | 'bodyOnly' | 'repealed', string>;

  beforeAll(async () => {
    for (const [key, over] of Object.entries({
      county: {},
      national: {
        title: '中央财政衔接推进乡村振兴补助资金管理办法',
        documentNo: '财农〔2021〕19号',
        issuer: '财政部 国家乡村振兴局 国家发展改革委 国家民委 农业农村部 国家林草局',
        level: 'national',
        issuedOn: '2021-03-31',
        body: '摘要：中央财政补助资金的支出范围、分配方式、资金下达与绩效管理。',
      },
      bodyOnly: {
        title: '关于加强项目公示公告工作的通知',
        documentNo: '城扶组〔2025〕3号',
        issuer: '县脱贫攻坚办',
        category: 'supervision',
        issuedOn: '2025-06-01',
        body: '摘要：项目实施前后应在村务公开栏公示，接受群众监督，补助资金使用情况一并公开。',
      },
      repealed: {
        title: '扶贫项目库建设管理办法（旧）',
        documentNo: '城扶组〔2018〕7号',
        category: 'projects',
        issuedOn: '2018-05-01',
        status: 'repealed',
        body: '摘要：已由新办法替代。',
      },
    })) {
      const res = await office.post('/api/policies', policy(over));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids[key as keyof typeof ids] = res.body.id;
    }
  });

  const search = async (qs: string) => {
    const res = await mbzView.get(`/api/policies?${qs}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { items: { id: string; titleHit: boolean; snippet: string | null }[]; total: number };
  };

  it('finds a two-character word in the middle of a body, title hits first', async () => {
    // 公示 occurs only in the middle of one body... and in that document's title.
    const word = await search(`q=${encodeURIComponent('监督')}`);
    expect(word.items.map((i) => i.id)).toContain(ids.bodyOnly);
    const funds = await search(`q=${encodeURIComponent('补助资金')}`);
    expect(
      funds.items
        .map((i) => i.id)
        .slice(0, 2)
        .sort(),
    ).toEqual([ids.county, ids.national].sort());
    expect(funds.items.map((i) => i.id)).toContain(ids.bodyOnly); // body only: after the titles
    expect(funds.items.at(-1)).toMatchObject({ id: ids.bodyOnly, titleHit: false });
    expect(funds.items.at(-1)!.snippet).toContain('补助资金');
    expect(funds.items[0]!.titleHit).toBe(true);
  });

  it('finds a document number as written, and misses what no document holds', async () => {
    const byNo = await search(`q=${encodeURIComponent('城财农〔2024〕12号')}`);
    expect(byNo.items.map((i) => i.id)).toEqual([ids.county]);
    // As an input method in full-width mode types it.
    const wide = await search(`q=${encodeURIComponent('城财农〔２０２４〕１２号')}`);
    expect(wide.items.map((i) => i.id)).toEqual([ids.county]);
    expect((await search(`q=${encodeURIComponent('危房改造')}`)).total).toBe(0);
    expect((await search(`q=${encodeURIComponent('资助')}`)).total).toBe(0); // 资 and 助 occur, never together
    expect((await search(`q=${encodeURIComponent('〔〕')}`)).total).toBe(0);
  });

  it('filters by level, category, status and year', async () => {
    expect((await search('level=national')).items.map((i) => i.id)).toEqual([ids.national]);
    expect((await search('status=repealed')).items.map((i) => i.id)).toEqual([ids.repealed]);
    expect((await search('year=2025&category=supervision')).items.map((i) => i.id)).toEqual([ids.bodyOnly]);
    const paged = await search('pageSize=2&page=2');
    expect(paged).toMatchObject({ total: 4 });
    expect(paged.items).toHaveLength(2);
  });

  it('is edited by offices only (废止), read by everyone', async () => {
    const edited = await office.request('PUT', `/api/policies/${ids.county}`, policy({ status: 'repealed' }));
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.status).toBe('repealed');
    expect(await auditRows('policy.update', ids.county)).toBe(1);
    expect((await mbz.request('PUT', `/api/policies/${ids.county}`, policy())).status).toBe(403);
    expect((await mbz.post('/api/policies', policy())).status).toBe(403);
    expect((await swj.get(`/api/policies/${ids.national}`)).status).toBe(200);
  });

  it('searches 3000 documents through the index, in milliseconds', async () => {
    // Through the table's own statement (it cuts the search tokens), sent as the owner row by row.
    const { rows } = await stack.db.query(`SELECT id FROM org_unit WHERE code = 'tpgjb'`);
    const t = performance.now();
    for (let g = 1; g <= 3000; g++) {
      const st = policyInsert({
        id: randomUUID(),
        title: `第${g}号测试文件：${['项目管理', '资金拨付', '监督检查', '产业发展'][g % 4]}`,
        documentNo: `测〔2020〕${g}号`,
        issuer: '测试单位',
        level: 'county',
        category: 'other',
        issuedOn: `20${10 + (g % 15)}-0${1 + (g % 9)}-1${g % 10}`,
        effectiveOn: null,
        status: 'effective',
        body:
          '本文件规定了有关事项的办理程序和工作要求。'.repeat(40) +
          (g % 500 === 0 ? '易地搬迁后续扶持' : '') +
          '各单位应当按照职责分工抓好落实。'.repeat(40),
        authorUnitId: rows[0].id,
        createdBy: null,
      });
      let n = 0;
      await stack.db.query(
        st.sql.replace(/\?/g, () => `$${++n}`),
        st.params as unknown[],
      );
    }
    const insertMs = performance.now() - t;
    await stack.db.query('ANALYZE policy_document');
    const t0 = performance.now();
    const rare = await search(`q=${encodeURIComponent('搬迁')}`);
    const rareMs = performance.now() - t0;
    expect(rare.total).toBe(6);
    const t1 = performance.now();
    const common = await search(`q=${encodeURIComponent('资金')}`);
    const commonMs = performance.now() - t1;
    expect(common.total).toBeGreaterThan(750);
    // The index answers the query form the repository sends (the planner may still prefer to read
    // a table this small in full): its plan and time, beside the full read's.
    const timed = async (seqscan: boolean) => {
      const c = await stack.db.connect();
      try {
        await c.query(`SET enable_seqscan = ${seqscan ? 'on' : 'off'}`);
        const rows = (
          await c.query(
            `EXPLAIN ANALYZE SELECT id FROM policy_document WHERE search @@ to_tsquery('simple', '搬迁')`,
          )
        ).rows.map((r) => r['QUERY PLAN'] as string);
        return { plan: rows.join('\n'), ms: Number(/Execution Time: ([\d.]+)/.exec(rows.at(-1)!)![1]) };
      } finally {
        await c.query('RESET enable_seqscan');
        c.release();
      }
    };
    const [indexed, full] = [await timed(false), await timed(true)];
    expect(indexed.plan).toContain('policy_document_search_idx');
    console.log(
      `policy search over ${3000 + 4} documents (3000 written in ${insertMs.toFixed(0)} ms), over HTTP: a rare word ${rareMs.toFixed(0)} ms, a common one (${common.total} hits) ${commonMs.toFixed(0)} ms; ` +
        `in PostgreSQL: ${indexed.ms} ms through the index, ${full.ms} ms reading the table (${full.plan.split('\n')[0]})`,
    );
  });
});

describe('网络寻呼', () => {
  let threadId: string;

  it('a department opens a thread with a township; the township reads it, answers with an attachment; the department sees the answer', async () => {
    const created = await swj.post('/api/threads', {
      subject: '罗江村人饮工程进度',
      unitCodes: ['mbz'],
      body: '请庙坝镇报送罗江村人饮工程本月进度。',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    threadId = created.body.id;
    expect(created.body.units.map((u: { code: string }) => u.code).sort()).toEqual(['mbz', 'swj']);

    const list = await mbz.get('/api/threads');
    const row = list.body.items.find((t: { id: string }) => t.id === threadId);
    expect(row).toMatchObject({ unread: 1, messageCount: 1 });
    const opened = await mbz.get(`/api/threads/${threadId}`);
    expect(opened.body.messages[0]).toMatchObject({ read: false, authorUnit: { code: 'swj' } });
    expect((await mbz.post(`/api/threads/${threadId}/read`)).body).toEqual({ marked: 1 });
    expect((await mbz.post(`/api/threads/${threadId}/read`)).body).toEqual({ marked: 0 });
    expect(
      (await mbz.get('/api/threads')).body.items.find((t: { id: string }) => t.id === threadId).unread,
    ).toBe(0);

    const file = await upload(mbz, PDF, 'application/pdf', '进度表.pdf');
    const answered = await mbz.post(`/api/threads/${threadId}/messages`, {
      body: '已完成管网铺设80%。',
      attachmentIds: [file],
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(201);
    expect(answered.body.messages).toHaveLength(2);

    const back = await swj.get(`/api/threads/${threadId}`);
    expect(back.body.messages[0].readBy.map((r: { unit: string }) => r.unit)).toEqual(['庙坝镇']);
    expect(back.body.messages[1]).toMatchObject({ body: '已完成管网铺设80%。', read: false });
    expect(back.body.messages[1].attachments[0].fileName).toBe('进度表.pdf');
    expect((await swj.get('/api/threads')).body.items[0]).toMatchObject({ id: threadId, unread: 1 });
    // Searched by words of the subject; the unread count stays the unit's whole.
    const found = await swj.get(`/api/threads?q=${encodeURIComponent('人饮工程')}`);
    expect(found.body).toMatchObject({ total: 1, unread: 1 });
    expect(found.body.items.map((t: { id: string }) => t.id)).toEqual([threadId]);
    const none = await swj.get(`/api/threads?q=${encodeURIComponent('100%_')}`);
    expect(none.body).toMatchObject({ total: 0, items: [] });
    const dl = await swj.download(`/api/threads/${threadId}/attachments/${file}`);
    expect(dl.bytes.equals(PDF)).toBe(true);
    expect(await auditRows('message.post', threadId)).toBe(1);
  });

  it('answers 404 to a unit outside the thread, county-wide or not, and 403 to a query account inside it', async () => {
    for (const s of [xqz, leader]) {
      expect((await s.get(`/api/threads/${threadId}`)).status).toBe(404);
      expect((await s.post(`/api/threads/${threadId}/messages`, { body: '路过' })).status).toBe(404);
      expect((await s.get('/api/threads')).body.items.map((t: { id: string }) => t.id)).not.toContain(
        threadId,
      );
    }
    expect((await mbzView.get(`/api/threads/${threadId}`)).status).toBe(200);
    expect((await mbzView.post(`/api/threads/${threadId}/messages`, { body: '查询账号' })).status).toBe(403);
  });
});

describe('bad input', () => {
  it('names the field, in Chinese by default and in English when asked', async () => {
    const zh = await office.post('/api/notices', notice({ title: '', unitCodes: ['mbz'] }));
    expect(zh.status).toBe(422);
    expect(zh.body.error.code).toBe('VALIDATION_FAILED');
    expect(zh.body.error.message).toContain('body.title');
    const en = await office.post('/api/notices', notice({ title: '', unitCodes: ['mbz'] }), {
      'accept-language': 'en',
    });
    expect(en.body.error.message).toMatch(/^invalid body: body\.title/);
    const noUnits = await office.post('/api/notices', notice());
    expect(noUnits.status).toBe(422);
    expect(noUnits.body.error.details[0].path).toBe('body.unitCodes');
  });

  it('refuses unknown units, attachments that are not the caller’s, and queries out of range', async () => {
    const unknown = await office.post('/api/notices', notice({ unitCodes: ['no-such-unit'] }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details[0].path).toBe('body.unitCodes');
    const theirs = await upload(mbz, PNG, 'image/png', '别人的.png');
    const stolen = await office.post('/api/notices', notice({ unitCodes: ['mbz'], attachmentIds: [theirs] }));
    expect(stolen.status).toBe(422);
    expect(stolen.body.error.details[0].path).toBe('body.attachmentIds');
    const alone = await swj.post('/api/threads', {
      subject: '自言自语',
      unitCodes: ['swj'],
      body: '只有自己',
    });
    expect(alone.status).toBe(422);
    for (const [path, field] of [
      ['/api/policies?q=' + '长'.repeat(101), 'query.q'],
      ['/api/policies?level=province', 'query.level'],
      ['/api/notices?page=0', 'query.page'],
      ['/api/threads/not-a-uuid', 'params.id'],
      ['/api/notices/not-a-uuid', 'params.id'],
    ]) {
      const res = await mbz.get(path!);
      expect(res.status, path).toBe(422);
      expect(res.body.error.details[0].path, path).toBe(field);
    }
    const badType = await mbz.upload(
      '/api/bulletin-attachments?fileName=x.png',
      Buffer.from('not a png'),
      'image/png',
      'x.png',
    );
    expect(badType.status).toBe(422);
    expect((await mbz.get(`/api/policies/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`)).status).toBe(
      404,
    );
  });
});
