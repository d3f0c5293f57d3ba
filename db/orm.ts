/**
 * MikroORM setup: `initORM(url)` returns the ORM that api, worker, scripts and tests share.
 * Migrations are listed explicitly (no file globbing), so they run the same under tsx, vitest and
 * a bundled build.
 */
import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { OrgUnitSchema } from './entities/org-unit.entity.js';
import { AppUserSchema, UserRoleSchema, UserSessionSchema } from './entities/user.entity.js';
import { ProjectSchema } from './entities/project.entity.js';
import { Migration20261125000000_foundation } from './migrations/Migration20261125000000_foundation.js';
import { Migration20261126100000_ledgers } from './migrations/Migration20261126100000_ledgers.js';

export const MIGRATIONS = [
  { name: 'Migration20261125000000_foundation', class: Migration20261125000000_foundation },
  { name: 'Migration20261126100000_ledgers', class: Migration20261126100000_ledgers },
];

export function ormConfig(clientUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities: [OrgUnitSchema, AppUserSchema, UserRoleSchema, UserSessionSchema, ProjectSchema],
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: 10 },
    debug: false,
    allowGlobalContext: false,
    ...overrides,
  });
}

export type Orm = MikroORM;

export async function initORM(clientUrl: string, overrides: Partial<Options> = {}): Promise<Orm> {
  return MikroORM.init(ormConfig(clientUrl, overrides));
}

export async function migrate(orm: Orm): Promise<string[]> {
  const done = await orm.getMigrator().up();
  return done.map((m) => m.name);
}
