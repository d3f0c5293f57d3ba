/**
 * Seeds the demo county: org units and accounts straight into PostgreSQL, then projects through
 * the same service the api uses (scripts/lib/demo-projects.ts: each demo project is a real workflow
 * with a real history), then the notices, policies and a thread (scripts/lib/demo-bulletin.ts), and
 * the supervision office's rectification notices and complaints (scripts/lib/demo-supervision.ts).
 * Safe to run again: existing units, accounts and steps are kept, missing ones are added.
 */
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { metaPutOnce } from '#db/writes/app-meta.js';
import { DEMO_UNIT_HEADS, DEMO_UNITS, type DemoUnit } from '#db/seed/demo-county.js';
import { hashPassword } from '#api/modules/auth/password.js';

export { seedDemoProjects } from './demo-projects.js';
export { seedDemoBulletin } from './demo-bulletin.js';
export { seedDemoSupervision } from './demo-supervision.js';

const SEEDED_KEY = 'demo_seed';
const SYSTEM = { id: null, username: 'system' };

export async function isDemoSeeded(orm: Orm): Promise<boolean> {
  const rows = await orm.em.fork().execute(`SELECT 1 FROM app_meta WHERE key = ?`, [SEEDED_KEY], 'all');
  return rows.length > 0;
}

/**
 * Seeding is audited like any write: actor `system`, via `cli`. `hash` defaults to the production
 * password hash; the test template passes a cheaper one (its accounts log in hundreds of times).
 * `units` (parents first) defaults to the demo county's; each gets an operator and a viewer.
 */
export async function seedOrgsAndUsers(
  orm: Orm,
  password: string,
  audit: AuditLog,
  hash: (password: string) => Promise<string> = hashPassword,
  units: readonly DemoUnit[] = DEMO_UNITS,
): Promise<void> {
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    for (const u of units) {
      const inserted = await tx.execute(
        `INSERT INTO org_unit (code, name, kind, parent_id)
         VALUES (?, ?, ?, (SELECT id FROM org_unit WHERE code = ?)) ON CONFLICT (code) DO NOTHING RETURNING id`,
        [u.code, u.name, u.kind, u.parent],
        'all',
      );
      if (inserted.length) {
        await audit.append(tx, {
          actor: SYSTEM,
          via: 'cli',
          action: 'seed.org.create',
          entity: 'org_unit',
          entityId: u.code,
          after: u,
        });
      }
    }
  });
  const accounts: DemoAccount[] = [
    { username: 'admin', name: '系统管理员', unit: 'ck', roles: ['admin'] },
    { username: 'leader', name: '县领导', unit: 'ck', roles: ['leader'] },
    { username: 'supervisor', name: '专项监督办督查员', unit: 'zxjdb', roles: ['supervisor', 'operator'] },
  ];
  for (const u of units) {
    accounts.push({ username: `${u.code}.op`, name: `${u.name}操作员`, unit: u.code, roles: ['operator'] });
    accounts.push({ username: `${u.code}.view`, name: `${u.name}查询员`, unit: u.code, roles: ['viewer'] });
  }
  await seedAccounts(orm, password, audit, hash, accounts);
}

/**
 * The demo county's unit heads (`<unit>.head`, query accounts marked 单位主要负责人): the demo's
 * alone, so the test county's escalations reach only the accounts its tests create.
 */
export async function seedDemoUnitHeads(orm: Orm, password: string, audit: AuditLog): Promise<void> {
  const heads = Object.entries(DEMO_UNIT_HEADS).map(([unit, name]) => ({
    username: `${unit}.head`,
    name,
    unit,
    roles: ['viewer'],
    unitHead: true,
  }));
  await seedAccounts(orm, password, audit, hashPassword, heads);
}

interface DemoAccount {
  username: string;
  name: string;
  unit: string;
  roles: string[];
  unitHead?: boolean;
}

/** Adds the accounts not there yet, each in its own audited transaction. */
async function seedAccounts(
  orm: Orm,
  password: string,
  audit: AuditLog,
  hash: (password: string) => Promise<string>,
  accounts: readonly DemoAccount[],
): Promise<void> {
  const em = orm.em.fork();
  const existing = new Set(
    (await em.execute<{ username: string }[]>('SELECT username FROM app_user', [], 'all')).map(
      (r) => r.username,
    ),
  );
  for (const a of accounts) {
    if (existing.has(a.username)) continue;
    const passwordHash = await hash(password);
    const unitHead = a.unitHead ?? false;
    await em.transactional(async (tx) => {
      const [row] = (await tx.execute<{ id: string }[]>(
        `INSERT INTO app_user (username, display_name, org_unit_id, password_hash, unit_head)
         VALUES (?, ?, (SELECT id FROM org_unit WHERE code = ?), ?, ?) RETURNING id`,
        [a.username, a.name, a.unit, passwordHash, unitHead],
        'all',
      )) as [{ id: string }];
      for (const role of a.roles) {
        await tx.execute('INSERT INTO user_role (user_id, role) VALUES (?, ?)', [row.id, role], 'run');
      }
      await audit.append(tx, {
        actor: SYSTEM,
        via: 'cli',
        action: 'seed.user.create',
        entity: 'user',
        entityId: row.id,
        after: {
          username: a.username,
          displayName: a.name,
          unit: a.unit,
          roles: a.roles,
          ...(unitHead ? { unitHead } : {}),
        },
      });
    });
  }
}

export async function markDemoSeeded(orm: Orm): Promise<void> {
  const mark = metaPutOnce(SEEDED_KEY, { at: new Date().toISOString() });
  await orm.em.fork().execute(mark.sql, mark.params, 'run');
}
