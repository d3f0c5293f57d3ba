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
import { Migration20261126000000_lifecycle } from './migrations/Migration20261126000000_lifecycle.js';
import { Migration20261126100000_ledgers } from './migrations/Migration20261126100000_ledgers.js';
import { Migration20261126200000_accounts } from './migrations/Migration20261126200000_accounts.js';
import { Migration20261126300000_scope_lifecycle } from './migrations/Migration20261126300000_scope_lifecycle.js';
import { Migration20261126400000_scope_ledgers } from './migrations/Migration20261126400000_scope_ledgers.js';
import { Migration20261127000000_audit_chains } from './migrations/Migration20261127000000_audit_chains.js';
import { Migration20261201000000_totp_replay } from './migrations/Migration20261201000000_totp_replay.js';
import { Migration20261201100000_request_identity } from './migrations/Migration20261201100000_request_identity.js';
import { Migration20261201130000_money_ceiling } from './migrations/Migration20261201130000_money_ceiling.js';
import { Migration20261202000000_notification_delivery } from './migrations/Migration20261202000000_notification_delivery.js';
import { Migration20261202100000_inbox_scope } from './migrations/Migration20261202100000_inbox_scope.js';
import { Migration20261202200000_bulletin } from './migrations/Migration20261202200000_bulletin.js';
import { Migration20261203000000_supervision_core } from './migrations/Migration20261203000000_supervision_core.js';
import { Migration20261203100000_rectification } from './migrations/Migration20261203100000_rectification.js';
import { Migration20261203200000_talks_negative_list } from './migrations/Migration20261203200000_talks_negative_list.js';
import { Migration20261203300000_red_flags } from './migrations/Migration20261203300000_red_flags.js';
import { Migration20261203400000_ranking } from './migrations/Migration20261203400000_ranking.js';
import { Migration20261203500000_circular } from './migrations/Migration20261203500000_circular.js';
import { Migration20261204000000_readers } from './migrations/Migration20261204000000_readers.js';
import { Migration20261204200000_complaints } from './migrations/Migration20261204200000_complaints.js';
import { Migration20261204300000_public_portal } from './migrations/Migration20261204300000_public_portal.js';
import { Migration20261205200000_rollups } from './migrations/Migration20261205200000_rollups.js';
import { Migration20261206000000_list_key } from './migrations/Migration20261206000000_list_key.js';
import { Migration20261206100000_project_search } from './migrations/Migration20261206100000_project_search.js';
import { Migration20261207000000_list_readers } from './migrations/Migration20261207000000_list_readers.js';
import { Migration20261208000000_search_grams } from './migrations/Migration20261208000000_search_grams.js';
import { Migration20261209000000_session_notify } from './migrations/Migration20261209000000_session_notify.js';
import { Migration20261210000000_overdue_page } from './migrations/Migration20261210000000_overdue_page.js';
import { Migration20261211000000_search_common_grams } from './migrations/Migration20261211000000_search_common_grams.js';
import { Migration20261212000000_import_scope } from './migrations/Migration20261212000000_import_scope.js';
import { Migration20261213000000_rollup_entries_plan } from './migrations/Migration20261213000000_rollup_entries_plan.js';
import { Migration20261214000000_step_plans } from './migrations/Migration20261214000000_step_plans.js';
import { Migration20261215000000_list_cursor_page } from './migrations/Migration20261215000000_list_cursor_page.js';
import { Migration20261216000000_reader_statistics } from './migrations/Migration20261216000000_reader_statistics.js';
import { Migration20261217000000_login_checks } from './migrations/Migration20261217000000_login_checks.js';
import { Migration20261218000000_login_places } from './migrations/Migration20261218000000_login_places.js';
import { Migration20261219000000_import_heartbeat } from './migrations/Migration20261219000000_import_heartbeat.js';
import { Migration20261220000000_policy_search_nfkc } from './migrations/Migration20261220000000_policy_search_nfkc.js';
import { Migration20261221000000_progress_from_ledger } from './migrations/Migration20261221000000_progress_from_ledger.js';
import { Migration20261222000000_negative_entry_unit } from './migrations/Migration20261222000000_negative_entry_unit.js';
import { Migration20261223000000_project_fund_documents } from './migrations/Migration20261223000000_project_fund_documents.js';
import { Migration20261224000000_interview_corrected_by } from './migrations/Migration20261224000000_interview_corrected_by.js';
import { Migration20261225000000_idempotent_written } from './migrations/Migration20261225000000_idempotent_written.js';
import { Migration20261226000000_site_entry_village } from './migrations/Migration20261226000000_site_entry_village.js';
import { Migration20261227000000_stored_answer_secrets } from './migrations/Migration20261227000000_stored_answer_secrets.js';
import { Migration20261228000000_writer_policies } from './migrations/Migration20261228000000_writer_policies.js';
import { Migration20261229000000_fund_document_number_per_department } from './migrations/Migration20261229000000_fund_document_number_per_department.js';
import { Migration20261230000000_delivery_send_checks } from './migrations/Migration20261230000000_delivery_send_checks.js';
import { Migration20261231000000_delivery_recipient_unit } from './migrations/Migration20261231000000_delivery_recipient_unit.js';
import { Migration20261232000000_notice_answered_on_time } from './migrations/Migration20261232000000_notice_answered_on_time.js';
import { Migration20261233000000_interview_flag_withdrawn } from './migrations/Migration20261233000000_interview_flag_withdrawn.js';

export const MIGRATIONS = [
  { name: 'Migration20261125000000_foundation', class: Migration20261125000000_foundation },
  { name: 'Migration20261126000000_lifecycle', class: Migration20261126000000_lifecycle },
  { name: 'Migration20261126100000_ledgers', class: Migration20261126100000_ledgers },
  { name: 'Migration20261126200000_accounts', class: Migration20261126200000_accounts },
  { name: 'Migration20261126300000_scope_lifecycle', class: Migration20261126300000_scope_lifecycle },
  { name: 'Migration20261126400000_scope_ledgers', class: Migration20261126400000_scope_ledgers },
  { name: 'Migration20261127000000_audit_chains', class: Migration20261127000000_audit_chains },
  { name: 'Migration20261201000000_totp_replay', class: Migration20261201000000_totp_replay },
  { name: 'Migration20261201100000_request_identity', class: Migration20261201100000_request_identity },
  { name: 'Migration20261201130000_money_ceiling', class: Migration20261201130000_money_ceiling },
  {
    name: 'Migration20261202000000_notification_delivery',
    class: Migration20261202000000_notification_delivery,
  },
  { name: 'Migration20261202100000_inbox_scope', class: Migration20261202100000_inbox_scope },
  { name: 'Migration20261202200000_bulletin', class: Migration20261202200000_bulletin },
  {
    name: 'Migration20261203000000_supervision_core',
    class: Migration20261203000000_supervision_core,
  },
  { name: 'Migration20261203100000_rectification', class: Migration20261203100000_rectification },
  {
    name: 'Migration20261203200000_talks_negative_list',
    class: Migration20261203200000_talks_negative_list,
  },
  { name: 'Migration20261203300000_red_flags', class: Migration20261203300000_red_flags },
  { name: 'Migration20261203400000_ranking', class: Migration20261203400000_ranking },
  { name: 'Migration20261203500000_circular', class: Migration20261203500000_circular },
  { name: 'Migration20261204000000_readers', class: Migration20261204000000_readers },
  { name: 'Migration20261204200000_complaints', class: Migration20261204200000_complaints },
  { name: 'Migration20261204300000_public_portal', class: Migration20261204300000_public_portal },
  { name: 'Migration20261205200000_rollups', class: Migration20261205200000_rollups },
  { name: 'Migration20261206000000_list_key', class: Migration20261206000000_list_key },
  { name: 'Migration20261206100000_project_search', class: Migration20261206100000_project_search },
  { name: 'Migration20261207000000_list_readers', class: Migration20261207000000_list_readers },
  { name: 'Migration20261208000000_search_grams', class: Migration20261208000000_search_grams },
  { name: 'Migration20261209000000_session_notify', class: Migration20261209000000_session_notify },
  { name: 'Migration20261210000000_overdue_page', class: Migration20261210000000_overdue_page },
  {
    name: 'Migration20261211000000_search_common_grams',
    class: Migration20261211000000_search_common_grams,
  },
  { name: 'Migration20261212000000_import_scope', class: Migration20261212000000_import_scope },
  { name: 'Migration20261213000000_rollup_entries_plan', class: Migration20261213000000_rollup_entries_plan },
  { name: 'Migration20261214000000_step_plans', class: Migration20261214000000_step_plans },
  { name: 'Migration20261215000000_list_cursor_page', class: Migration20261215000000_list_cursor_page },
  { name: 'Migration20261216000000_reader_statistics', class: Migration20261216000000_reader_statistics },
  { name: 'Migration20261217000000_login_checks', class: Migration20261217000000_login_checks },
  { name: 'Migration20261218000000_login_places', class: Migration20261218000000_login_places },
  { name: 'Migration20261219000000_import_heartbeat', class: Migration20261219000000_import_heartbeat },
  { name: 'Migration20261220000000_policy_search_nfkc', class: Migration20261220000000_policy_search_nfkc },
  {
    name: 'Migration20261221000000_progress_from_ledger',
    class: Migration20261221000000_progress_from_ledger,
  },
  { name: 'Migration20261222000000_negative_entry_unit', class: Migration20261222000000_negative_entry_unit },
  {
    name: 'Migration20261223000000_project_fund_documents',
    class: Migration20261223000000_project_fund_documents,
  },
  {
    name: 'Migration20261224000000_interview_corrected_by',
    class: Migration20261224000000_interview_corrected_by,
  },
  { name: 'Migration20261225000000_idempotent_written', class: Migration20261225000000_idempotent_written },
  { name: 'Migration20261226000000_site_entry_village', class: Migration20261226000000_site_entry_village },
  {
    name: 'Migration20261227000000_stored_answer_secrets',
    class: Migration20261227000000_stored_answer_secrets,
  },
  { name: 'Migration20261228000000_writer_policies', class: Migration20261228000000_writer_policies },
  {
    name: 'Migration20261229000000_fund_document_number_per_department',
    class: Migration20261229000000_fund_document_number_per_department,
  },
  {
    name: 'Migration20261230000000_delivery_send_checks',
    class: Migration20261230000000_delivery_send_checks,
  },
  {
    name: 'Migration20261231000000_delivery_recipient_unit',
    class: Migration20261231000000_delivery_recipient_unit,
  },
  {
    name: 'Migration20261232000000_notice_answered_on_time',
    class: Migration20261232000000_notice_answered_on_time,
  },
  {
    name: 'Migration20261233000000_interview_flag_withdrawn',
    class: Migration20261233000000_interview_flag_withdrawn,
  },
];

/** The role the application works as; row-level security applies to it (see the accounts migration). */
export const APP_ROLE = 'sanzhang_app';

export interface OrmOptions {
  /**
   * `app` (default): every pooled connection switches to APP_ROLE, so RLS and the table grants
   * hold for all application queries. `owner`: the connecting user itself — migrations only.
   */
  role?: 'app' | 'owner';
  overrides?: Partial<Options>;
}

type PgConn = { query(sql: string, cb: (err: Error | null) => void): void };

export function ormConfig(clientUrl: string, opts: OrmOptions = {}): Options {
  const appRole = (opts.role ?? 'app') === 'app';
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
    pool: {
      // Two connections stay open however long the console is idle: a new one costs its first
      // request ~50 ms more (the connection, and a new backend's catalog caches and plans under the
      // policies), which with none kept every request after a pause of 30 s paid.
      min: 2,
      max: 10,
      ...(appRole
        ? {
            afterCreate: (conn: PgConn, done: (err: Error | null, conn: PgConn) => void) =>
              conn.query(`SET ROLE ${APP_ROLE}`, (err) => done(err, conn)),
          }
        : {}),
    },
    debug: false,
    allowGlobalContext: false,
    ...opts.overrides,
  });
}

export type Orm = MikroORM;

export async function initORM(clientUrl: string, opts: OrmOptions = {}): Promise<Orm> {
  return MikroORM.init(ormConfig(clientUrl, opts));
}

export async function migrate(orm: Orm): Promise<string[]> {
  const done = await orm.getMigrator().up();
  return done.map((m) => m.name);
}

/** Applies pending migrations as the database owner, with a short-lived ORM of its own. */
export async function migrateAsOwner(clientUrl: string): Promise<string[]> {
  const orm = await initORM(clientUrl, { role: 'owner' });
  try {
    return await migrate(orm);
  } finally {
    await orm.close();
  }
}
