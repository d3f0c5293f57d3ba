/**
 * Archive documents: type and size checked on upload, SHA-256 recorded and checked again on every
 * download (a file changed on disk is refused), the configurable checklist, and the acceptance gate.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableAdminTotp } from '../support/authz/stack.js';
import { TEST_PASSWORD } from '../support/constants.js';
import { freshTotp } from '../support/totp.js';
import { ledgerAcceptanceGate } from '#db/queries/ledger-gate.js';
import { SYSTEM_SCOPE, inScope, scopeOf } from '#db/scope.js';
import { createLedgerRepository } from '#api/modules/ledgers/repository.js';
import { createLedgerService } from '#api/modules/ledgers/service.js';
import { createLedgerWrites } from '#api/modules/ledgers/write-service.js';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import { callerFor } from '#scripts/lib/project-file.js';
import { fillTypicalLedgers } from '#scripts/lib/typical-ledgers.js';
import { aProject } from '../support/builders.js';
import { migrateAgain } from '../support/migrations.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let dept: Session;
let town: Session;
let village: Session;
beforeAll(async () => {
  stack = await startTestStack();
  [dept, town, village] = await Promise.all([
    Session.login(stack.baseUrl, 'swj.op'),
    Session.login(stack.baseUrl, 'xqz.op'),
    Session.login(stack.baseUrl, 'xqz-btc.op'),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('公示栏照片'.repeat(50)),
]);
const PDF = Buffer.from('%PDF-1.4\n% 竣工报告\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function newProject() {
  const res = await dept.post('/api/projects', aProject());
  expect(res.status).toBe(201);
  return res.body as { id: string; code: string };
}

describe('archive documents', () => {
  it('stores an upload with its SHA-256, serves it back, and refuses it once its bytes change on disk', async () => {
    const p = await newProject();
    const up = await village.upload(
      `/api/projects/${p.id}/archives?ledger=site&stage=underway&item=publicNoticePhoto&fileName=${encodeURIComponent('公示照片.png')}`,
      PNG,
      'image/png',
      '公示照片.png',
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body).toMatchObject({
      ledger: 'site',
      stage: 'underway',
      item: 'publicNoticePhoto',
      fileName: '公示照片.png',
      sizeBytes: PNG.length,
    });
    expect(up.body.sha256).toBe(createHash('sha256').update(PNG).digest('hex'));

    const ok = await dept.download(`/api/archives/${up.body.id}`); // the department may read it
    expect(ok.status).toBe(200);
    expect(ok.bytes.equals(PNG)).toBe(true);
    expect(ok.headers.get('x-content-sha256')).toBe(up.body.sha256);
    expect(ok.headers.get('content-type')).toBe('image/png');

    const file = path.join(stack.dataDir, 'archives', p.id, up.body.id);
    const tampered = Buffer.from(PNG);
    tampered[20] = tampered[20]! ^ 0xff;
    fs.writeFileSync(file, tampered);
    const refused = await dept.download(`/api/archives/${up.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('ARCHIVE_INTEGRITY_FAILED');
    expect(refused.json.error.message).toContain('SHA-256');
    expect(refused.json.error.message).toContain('篡改');
    expect(refused.bytes.includes(tampered.subarray(8, 30))).toBe(false); // no byte of the file leaks
    const { rows } = await stack.db.query(
      `SELECT kind FROM ledger_event WHERE project_id = $1 AND ledger = 'archive' ORDER BY id`,
      [p.id],
    );
    expect(rows.map((r) => r.kind)).toEqual(['upload', 'integrityFailure']);

    fs.rmSync(file);
    const gone = await dept.download(`/api/archives/${up.body.id}`);
    expect(gone.status).toBe(409);
    expect(gone.json.error.message).toContain('缺失');
    // Archive rows are append-only.
    await expect(
      stack.db.query(`UPDATE archive_document SET sha256 = repeat('0', 64) WHERE id = $1`, [up.body.id]),
    ).rejects.toThrow(/append-only/);
  });

  it('checks type, size, level, checklist item and ledger entry before storing anything', async () => {
    const p = await newProject();
    const url = (q: string) => `/api/projects/${p.id}/archives?fileName=x&${q}`;
    const bad = [
      await village.upload(url('ledger=site&stage=underway'), Buffer.from('not a png'), 'image/png', 'x'),
      await village.upload(url('ledger=site&stage=underway'), Buffer.from('plain text'), 'text/plain', 'x'),
      await village.upload(url('ledger=site&stage=underway&item=noSuchItem'), PNG, 'image/png', 'x'),
      await village.upload(url('ledger=site&stage=underway&item=contract'), PNG, 'image/png', 'x'), // an implementing item
      await village.upload(url(`ledger=site&stage=underway&entryId=${p.id}`), PNG, 'image/png', 'x'),
      await village.upload(url('ledger=site&stage=nowhere'), PNG, 'image/png', 'x'),
    ];
    expect(bad.map((r) => r.status)).toEqual([422, 422, 422, 422, 422, 422]);
    expect(bad[0]!.body.error.message).toContain('不是声明的类型');
    expect((await dept.upload(url('ledger=site&stage=underway'), PNG, 'image/png', 'x')).status).toBe(403);
    expect(
      (
        await village.upload(
          url('ledger=site&stage=underway'),
          Buffer.alloc(21 * 1024 * 1024, 1),
          'image/png',
          'x',
        )
      ).status,
    ).toBe(413);
    // Without the X-File-Name header a non-JSON body is refused (CSRF guard).
    const noHeader = await fetch(`${stack.baseUrl}${url('ledger=site&stage=underway')}`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: PNG,
    });
    expect(noHeader.status).toBe(400);
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM archive_document WHERE project_id = $1`,
      [p.id],
    );
    expect(rows[0].n).toBe(0);
    expect(fs.existsSync(path.join(stack.dataDir, 'archives', p.id))).toBe(false);

    // A photo attached to a supervision visit shows on that visit.
    const visit = await village.post(`/api/projects/${p.id}/ledgers/site/visits`, {
      villageCode: 'xqz-btc',
      visitedOn: '2026-05-02',
      supervisor: '陈大明',
      findings: '正常',
    });
    // The write answers with the id of the visit it created: the photo is linked to that one.
    expect(visit.status).toBe(201);
    const visitId = visit.body.written.id;
    expect(visit.body.site.visits.map((v: { id: string }) => v.id)).toEqual([visitId]);
    const photo = await village.upload(
      url(`ledger=site&stage=completed&item=supervisionPhoto&entryId=${visitId}`),
      PNG,
      'image/png',
      'x',
    );
    expect(photo.status).toBe(201);
    const ledgers = await village.get(`/api/projects/${p.id}/ledgers`);
    expect(ledgers.body.site.visits[0].photos).toEqual([photo.body.id]);
  });

  it('keeps a configurable checklist per stage that only the admin or supervision office may change', async () => {
    const current = await dept.get('/api/archive-requirements');
    expect(current.status).toBe(200);
    expect(current.body.items.length).toBeGreaterThan(5);
    const changed = [
      ...current.body.items,
      {
        stage: 'accepted',
        item: 'acceptanceReport',
        ledger: 'department',
        label: '验收报告',
        required: true,
      },
    ];
    expect((await dept.request('PUT', '/api/archive-requirements', { items: changed })).status).toBe(403);
    // Administrators work only after enrolling two-factor authentication.
    const { secret } = await enableAdminTotp(stack);
    const admin = new Session(stack.baseUrl);
    await admin.post('/api/auth/login', {
      username: 'admin',
      password: TEST_PASSWORD,
      totp: await freshTotp(secret),
    });
    const put = await admin.request('PUT', '/api/archive-requirements', { items: changed });
    expect(put.status).toBe(200);
    expect(put.body.items).toHaveLength(current.body.items.length + 1);
    const dup = await admin.request('PUT', '/api/archive-requirements', { items: [...changed, changed[0]] });
    expect(dup.status).toBe(422);
    expect(
      (await admin.request('PUT', '/api/archive-requirements', { items: current.body.items })).status,
    ).toBe(200);
  });
});

describe("files on a village's site entries", () => {
  it('are taken from that village only, by the api and by PostgreSQL alone', async () => {
    // The policies as an upgrade writes them (down, then up again).
    await migrateAgain(stack.databaseUrl, 'Migration20261226000000_site_entry_village');
    // A project of two villages, each keeping its own visits and notices.
    const res = await dept.post('/api/projects', aProject({ villageCodes: ['xqz-btc', 'mbz-ljc'] }));
    expect(res.status).toBe(201);
    const p = res.body as { id: string };
    const other = await Session.login(stack.baseUrl, 'mbz-ljc.op');
    const base = `/api/projects/${p.id}/ledgers/site`;
    const visit = await other.post(`${base}/visits`, {
      villageCode: 'mbz-ljc',
      visitedOn: '2026-05-02',
      supervisor: '李监督',
      findings: '正常',
    });
    expect(visit.status, JSON.stringify(visit.body)).toBe(201);
    const notice = await other.post(`${base}/notices`, {
      villageCode: 'mbz-ljc',
      place: '龙井村村务公开栏',
      postedFrom: '2026-03-01',
      postedTo: '2026-03-10',
      content: '项目名称、资金规模、建设内容公示',
      announcedAmountFen: 30_000_000,
      complaintPhone: '023-59221234',
    });
    expect(notice.status, JSON.stringify(notice.body)).toBe(201);
    const url = (entryId: string) =>
      `/api/projects/${p.id}/archives?fileName=x&ledger=site&stage=underway&entryId=${entryId}`;
    const ids = [visit.body.written.id as string, notice.body.written.id as string];

    const foreign = await Promise.all(ids.map((id) => village.upload(url(id), PNG, 'image/png', 'x')));
    expect(foreign.map((r) => r.status)).toEqual([403, 403]);
    const own = await other.upload(url(ids[0]!), PNG, 'image/png', 'x');
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM archive_document WHERE project_id = $1`,
      [p.id],
    );
    expect(rows[0].n).toBe(1);

    // The database's own verdict, in 白台村's scope: no visit for 龙井村, no file on its entries.
    const btc = await callerFor(stack.orm, 'xqz-btc.op');
    const ljc = (await stack.db.query(`SELECT id FROM org_unit WHERE code = 'mbz-ljc'`)).rows[0].id;
    const refused = async (sql: string, params: unknown[]) =>
      inScope(stack.orm, scopeOf(btc), (tx) => tx.execute(sql, params, 'run')).then(
        () => 'written',
        (err: { code?: string }) => err.code,
      );
    expect(
      await refused(
        `INSERT INTO supervision_visit (project_id, village_id, visited_on, supervisor, findings)
         VALUES (?, ?, '2026-05-03', '越权', '越权')`,
        [p.id, ljc],
      ),
    ).toBe('42501');
    for (const entryId of ids)
      expect(
        await refused(
          `INSERT INTO archive_document (id, project_id, ledger, stage, entry_id, file_name, content_type,
             size_bytes, sha256, storage_key) VALUES (?, ?, 'site', 'underway', ?, 'x', 'image/png', 1, ?, ?)`,
          [randomUUID(), p.id, entryId, 'a'.repeat(64), `${p.id}/${randomUUID()}`],
        ),
      ).toBe('42501');
  });
});

describe('files attached to a step', () => {
  it('are archive documents of the same project, named by id in the step’s record', async () => {
    const [p, other] = await Promise.all([newProject(), newProject()]);
    const upload = (id: string) =>
      dept.upload(
        `/api/projects/${id}/archives?ledger=department&stage=designApproved&item=designApproval&fileName=${encodeURIComponent('设计批复.pdf')}`,
        PDF,
        'application/pdf',
        '设计批复.pdf',
      );
    const [mine, theirs] = await Promise.all([upload(p.id), upload(other.id)]);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    const step = { action: 'approveDesign', documentNo: '城水审〔2026〕12号', approvedOn: '2026-03-10' };
    const url = `/api/projects/${p.id}/transitions`;

    const foreign = await dept.post(url, { ...step, archiveIds: [mine.body.id, theirs.body.id] });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.details).toEqual([expect.objectContaining({ path: 'body.archiveIds.1' })]);
    const missing = await dept.post(url, { ...step, archiveIds: [randomUUID()] });
    expect(missing.status).toBe(422);
    const twice = await dept.post(url, { ...step, archiveIds: [mine.body.id, mine.body.id] });
    expect(twice.status).toBe(422);
    expect((await dept.get(`/api/projects/${p.id}`)).body.stage).toBe('approved');

    const taken = await dept.post(url, { ...step, archiveIds: [mine.body.id] });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    const entry = taken.body.history.find((h: { action: string }) => h.action === 'approveDesign');
    expect(entry.payload.archiveIds).toEqual([mine.body.id]);
    // The file the step names is the one stored, whoever in scope reads it.
    const file = await town.download(`/api/archives/${mine.body.id}`);
    expect(file.status).toBe(200);
    expect(createHash('sha256').update(file.bytes).digest('hex')).toBe(mine.body.sha256);
  });
});

describe('acceptance gate', () => {
  it('refuses while a ledger item or a required document is missing, and passes once all are there', async () => {
    const p = await newProject();
    const empty = await inScope(stack.orm, SYSTEM_SCOPE, (em) => ledgerAcceptanceGate(em, p.id));
    expect(empty.ok).toBe(false);
    expect(empty.missing).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ledger: 'implementing', item: 'collectiveDecision' }),
        expect.objectContaining({ ledger: 'site', item: 'supervisionVisit' }),
        expect.objectContaining({ ledger: 'archive', item: 'completed.completionReport' }),
      ]),
    );
    expect(empty.missing.some((m) => m.item === 'settlement')).toBe(false); // due only at 报账

    const repo = createProjectRepository(stack.orm);
    const ledgerRepo = createLedgerRepository(stack.orm);
    const service = createLedgerService({ repo: ledgerRepo, projects: repo });
    const writes = createLedgerWrites({
      orm: stack.orm,
      repo: ledgerRepo,
      projects: repo,
      audit: stack.audit,
      ledgers: service,
    });
    const found = (await repo.find(await callerFor(stack.orm, 'leader'), p.id))!;
    const who = {
      department: await callerFor(stack.orm, 'swj.op'),
      owner: await callerFor(stack.orm, 'xqz.op'),
      village: await callerFor(stack.orm, 'xqz-btc.op'),
    };
    await fillTypicalLedgers(service, writes, who, { ...found, stage: 'completed' });
    const ledgersDone = await inScope(stack.orm, SYSTEM_SCOPE, (em) => ledgerAcceptanceGate(em, p.id));
    expect(ledgersDone.missing.every((m) => m.ledger === 'archive')).toBe(true);

    const sessions = { department: dept, implementing: town, site: village } as const;
    const required = (await dept.get('/api/archive-requirements')).body.items.filter((r: any) =>
      ['approved', 'designApproved', 'methodFixed', 'underway', 'completed'].includes(r.stage),
    );
    for (const r of required) {
      const res = await sessions[r.ledger as keyof typeof sessions].upload(
        `/api/projects/${p.id}/archives?ledger=${r.ledger}&stage=${r.stage}&item=${r.item}&fileName=${r.item}.pdf`,
        PDF,
        'application/pdf',
        `${r.item}.pdf`,
      );
      expect(res.status, `${r.item}: ${JSON.stringify(res.body)}`).toBe(201);
    }
    expect(await inScope(stack.orm, SYSTEM_SCOPE, (em) => ledgerAcceptanceGate(em, p.id))).toEqual({
      ok: true,
      missing: [],
    });
  });
});
