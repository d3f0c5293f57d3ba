import { Migration } from '@mikro-orm/migrations';

/**
 * 通知公告, 政策法规 and 网络寻呼 (docs/bulletin.md).
 *
 * - Notices are addressed to units; "all townships" is expanded to the units at publication, so a
 *   notice's readers are fixed rows (`notice_recipient`) row-level security can look up.
 * - Policies carry their own search vectors: Chinese has no spaces, so the text is cut into
 *   overlapping character pairs (domain/bulletin-search.ts, written by db/writes/policy-document.ts)
 *   and indexed by PostgreSQL's full-text search (a GIN index over a tsvector). The vector is
 *   written as a literal: cut in SQL and parsed by `to_tsvector` (a generated column) it cost
 *   milliseconds per page of text on every write. pg_trgm ships with both PostgreSQL builds the stack runs on,
 *   but its trigrams cannot serve a two-character word from the index, and whether it sees Chinese
 *   characters as word characters depends on the database's locale.
 * - Threads are read only by the accounts of their participant units, county-wide or not.
 * - Attachments of all three live in one table, stored like archive documents (opaque key, SHA-256);
 *   an upload belongs to its unit until a notice, policy or message claims it.
 *
 * The scope settings carry the unit, not the account: a receipt's account is checked to belong to
 * the scope's unit; which account of the unit writes is the service's to say.
 */
export class Migration20261202200000_bulletin extends Migration {
  override async up(): Promise<void> {
    // ── who may publish: an office's operator or supervisor, or an administrator ──────────────
    this.addSql(`
      CREATE FUNCTION app_has_role(p_role text) RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT p_role = ANY (string_to_array(current_setting('app.roles', true), ','))
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_may_publish() RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() = 'system' OR (app_scope_kind() = 'county' AND (app_has_role('admin')
          OR ((app_has_role('operator') OR app_has_role('supervisor'))
              AND EXISTS (SELECT 1 FROM org_unit o WHERE o.id = app_unit_id() AND o.kind = 'office'))))
      $$;`);
    // A query account (查询) reads; every other role may write messages.
    this.addSql(`
      CREATE FUNCTION app_may_write_messages() RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT app_scope_kind() = 'system' OR (app_unit_id() IS NOT NULL
          AND EXISTS (SELECT 1 FROM unnest(string_to_array(current_setting('app.roles', true), ',')) r WHERE r <> 'viewer'))
      $$;`);
    // The account of a receipt must belong to the scope's unit.
    this.addSql(`
      CREATE FUNCTION app_is_member(p_user uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() = 'system'
            OR EXISTS (SELECT 1 FROM app_user u WHERE u.id = p_user AND u.org_unit_id = app_unit_id())
      $$;`);

    // ── 通知公告 ──────────────────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE notice (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
        category text NOT NULL CHECK (category IN ('notice', 'announcement', 'meeting', 'briefing', 'other')),
        issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 100),
        issued_on date NOT NULL,
        author_unit_id uuid NOT NULL REFERENCES org_unit (id),
        author_id uuid REFERENCES app_user (id),
        audience jsonb NOT NULL DEFAULT '{}'::jsonb,
        published_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX notice_published_idx ON notice (published_at DESC, id);`);
    this.addSql(`
      CREATE TABLE notice_recipient (
        notice_id uuid NOT NULL REFERENCES notice (id),
        unit_id uuid NOT NULL REFERENCES org_unit (id),
        PRIMARY KEY (notice_id, unit_id)
      );`);
    this.addSql(`CREATE INDEX notice_recipient_unit_idx ON notice_recipient (unit_id, notice_id);`);
    this.addSql(`
      CREATE TABLE notice_receipt (
        notice_id uuid NOT NULL REFERENCES notice (id),
        user_id uuid NOT NULL REFERENCES app_user (id),
        unit_id uuid NOT NULL REFERENCES org_unit (id),
        first_read_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (notice_id, user_id)
      );`);
    this.addSql(`
      CREATE FUNCTION app_can_read_notice(n_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() IN ('system', 'county')
            OR EXISTS (SELECT 1 FROM notice n WHERE n.id = n_id AND n.author_unit_id = app_unit_id())
            OR EXISTS (SELECT 1 FROM notice_recipient r WHERE r.notice_id = n_id AND r.unit_id = app_unit_id())
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_is_notice_author(n_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_may_publish() AND EXISTS (SELECT 1 FROM notice n WHERE n.id = n_id
          AND (app_scope_kind() = 'system' OR n.author_unit_id = app_unit_id()))
      $$;`);

    // ── 政策法规 ──────────────────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE policy_document (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        document_no text NOT NULL DEFAULT '' CHECK (length(document_no) <= 100),
        issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 100),
        level text NOT NULL CHECK (level IN ('national', 'municipal', 'county')),
        category text NOT NULL CHECK (category IN ('funds', 'projects', 'supervision', 'industry', 'other')),
        issued_on date NOT NULL,
        effective_on date,
        status text NOT NULL DEFAULT 'effective' CHECK (status IN ('effective', 'repealed')),
        body text NOT NULL DEFAULT '' CHECK (length(body) <= 200000),
        author_unit_id uuid NOT NULL REFERENCES org_unit (id),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Written with every INSERT and UPDATE by db/writes/policy-document.ts from the tokens
        -- domain/bulletin-search.ts cuts (title weighted A, number and issuer B, text C);
        -- title_search alone decides whether a hit is in the title.
        title_search tsvector NOT NULL,
        search tsvector NOT NULL
      );`);
    this.addSql(`CREATE INDEX policy_document_search_idx ON policy_document USING gin (search);`);
    this.addSql(`CREATE INDEX policy_document_issued_idx ON policy_document (issued_on DESC, id);`);

    // ── 网络寻呼 ──────────────────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE message_thread (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
        created_by uuid REFERENCES app_user (id),
        created_unit_id uuid NOT NULL REFERENCES org_unit (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_message_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX message_thread_last_idx ON message_thread (last_message_at DESC, id);`);
    this.addSql(`
      CREATE TABLE message_thread_unit (
        thread_id uuid NOT NULL REFERENCES message_thread (id),
        unit_id uuid NOT NULL REFERENCES org_unit (id),
        PRIMARY KEY (thread_id, unit_id)
      );`);
    this.addSql(`CREATE INDEX message_thread_unit_unit_idx ON message_thread_unit (unit_id, thread_id);`);
    this.addSql(`
      CREATE TABLE message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        thread_id uuid NOT NULL REFERENCES message_thread (id),
        author_id uuid REFERENCES app_user (id),
        author_unit_id uuid NOT NULL REFERENCES org_unit (id),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );`);
    this.addSql(`CREATE INDEX message_thread_idx ON message (thread_id, created_at, id);`);
    this.addSql(`
      CREATE TABLE message_receipt (
        message_id uuid NOT NULL REFERENCES message (id),
        user_id uuid NOT NULL REFERENCES app_user (id),
        unit_id uuid NOT NULL REFERENCES org_unit (id),
        read_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, user_id)
      );`);
    this.addSql(`
      CREATE FUNCTION app_is_thread_member(t_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() = 'system' OR EXISTS (
          SELECT 1 FROM message_thread_unit m WHERE m.thread_id = t_id AND m.unit_id = app_unit_id())
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_can_read_message(m_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM message m WHERE m.id = m_id AND app_is_thread_member(m.thread_id))
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_is_thread_creator(t_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() = 'system' OR (app_may_write_messages() AND EXISTS (
          SELECT 1 FROM message_thread t WHERE t.id = t_id AND t.created_unit_id = app_unit_id()))
      $$;`);

    // ── attachments ───────────────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE bulletin_attachment (
        id uuid PRIMARY KEY,
        unit_id uuid NOT NULL REFERENCES org_unit (id),
        uploaded_by uuid REFERENCES app_user (id),
        file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
        content_type text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage_key text NOT NULL UNIQUE,
        uploaded_at timestamptz NOT NULL DEFAULT now(),
        notice_id uuid REFERENCES notice (id),
        policy_id uuid REFERENCES policy_document (id),
        message_id uuid REFERENCES message (id),
        CHECK (num_nonnulls(notice_id, policy_id, message_id) <= 1)
      );`);
    for (const owner of ['notice_id', 'policy_id', 'message_id'])
      this.addSql(
        `CREATE INDEX bulletin_attachment_${owner}_idx ON bulletin_attachment (${owner}) WHERE ${owner} IS NOT NULL;`,
      );

    // ── row-level security ─────────────────────────────────────────────────────────────────────
    const rls = (table: string, policies: Record<string, string>) => {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      for (const [name, clause] of Object.entries(policies))
        this.addSql(`CREATE POLICY ${table}_${name} ON ${table} ${clause};`);
    };
    rls('notice', {
      read: 'FOR SELECT USING (app_can_read_notice(id))',
      insert: `FOR INSERT WITH CHECK (app_may_publish() AND (app_scope_kind() = 'system' OR author_unit_id = app_unit_id()))`,
    });
    rls('notice_recipient', {
      read: 'FOR SELECT USING (app_can_read_notice(notice_id))',
      insert: 'FOR INSERT WITH CHECK (app_is_notice_author(notice_id))',
    });
    rls('notice_receipt', {
      // The author's office and county-wide accounts see every receipt; a unit sees its own.
      read: `FOR SELECT USING (app_can_read_notice(notice_id)
        AND (app_scope_kind() IN ('system', 'county') OR unit_id = app_unit_id()))`,
      insert: `FOR INSERT WITH CHECK (app_can_read_notice(notice_id)
        AND (app_scope_kind() = 'system' OR unit_id = app_unit_id()) AND app_is_member(user_id))`,
    });
    rls('policy_document', {
      read: `FOR SELECT USING (app_scope_kind() = 'system' OR app_unit_id() IS NOT NULL)`,
      insert: `FOR INSERT WITH CHECK (app_may_publish() AND (app_scope_kind() = 'system' OR author_unit_id = app_unit_id()))`,
      update: 'FOR UPDATE USING (app_may_publish()) WITH CHECK (app_may_publish())',
    });
    rls('message_thread', {
      read: 'FOR SELECT USING (app_is_thread_member(id))',
      // A thread's creator inserts it before its participant rows exist: its own unit's row comes next.
      insert: `FOR INSERT WITH CHECK (app_may_write_messages() AND (app_scope_kind() = 'system' OR created_unit_id = app_unit_id()))`,
      update: 'FOR UPDATE USING (app_is_thread_member(id) AND app_may_write_messages())',
    });
    rls('message_thread_unit', {
      read: 'FOR SELECT USING (app_is_thread_member(thread_id))',
      insert: 'FOR INSERT WITH CHECK (app_is_thread_creator(thread_id))',
    });
    rls('message', {
      read: 'FOR SELECT USING (app_is_thread_member(thread_id))',
      insert: `FOR INSERT WITH CHECK (app_is_thread_member(thread_id) AND app_may_write_messages()
        AND (app_scope_kind() = 'system' OR author_unit_id = app_unit_id()))`,
    });
    rls('message_receipt', {
      read: 'FOR SELECT USING (app_can_read_message(message_id))',
      insert: `FOR INSERT WITH CHECK (app_can_read_message(message_id)
        AND (app_scope_kind() = 'system' OR unit_id = app_unit_id()) AND app_is_member(user_id))`,
    });
    const claimed = `CASE WHEN notice_id IS NOT NULL THEN app_can_read_notice(notice_id)
        WHEN policy_id IS NOT NULL THEN app_scope_kind() = 'system' OR app_unit_id() IS NOT NULL
        WHEN message_id IS NOT NULL THEN app_can_read_message(message_id)
        ELSE app_scope_kind() = 'system' OR unit_id = app_unit_id() END`;
    rls('bulletin_attachment', {
      read: `FOR SELECT USING (${claimed})`,
      insert: `FOR INSERT WITH CHECK (app_may_write_messages() AND num_nonnulls(notice_id, policy_id, message_id) = 0
        AND (app_scope_kind() = 'system' OR unit_id = app_unit_id()))`,
      // Claimed once, by its own unit, for a notice it authors, a policy it may write or a message of its thread.
      claim: `FOR UPDATE USING (num_nonnulls(notice_id, policy_id, message_id) = 0
          AND (app_scope_kind() = 'system' OR unit_id = app_unit_id()))
        WITH CHECK (CASE WHEN notice_id IS NOT NULL THEN app_is_notice_author(notice_id)
          WHEN policy_id IS NOT NULL THEN app_may_publish()
          WHEN message_id IS NOT NULL THEN app_can_read_message(message_id) AND app_may_write_messages()
          ELSE false END)`,
    });

    // Notices, receipts, messages and attachments are records: the application never deletes them.
    this.addSql(`GRANT SELECT, INSERT ON notice, notice_recipient, notice_receipt, message_thread_unit,
      message, message_receipt TO sanzhang_app;`);
    this
      .addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON notice, notice_recipient, notice_receipt, message_thread_unit,
      message, message_receipt FROM sanzhang_app;`);
    this.addSql(
      `GRANT SELECT, INSERT, UPDATE ON policy_document, message_thread, bulletin_attachment TO sanzhang_app;`,
    );
    this.addSql(
      `REVOKE DELETE, TRUNCATE ON policy_document, message_thread, bulletin_attachment FROM sanzhang_app;`,
    );
  }

  override async down(): Promise<void> {
    this
      .addSql(`DROP TABLE bulletin_attachment, message_receipt, message, message_thread_unit, message_thread,
      policy_document, notice_receipt, notice_recipient, notice;`);
    this
      .addSql(`DROP FUNCTION app_is_thread_creator(uuid), app_can_read_message(uuid), app_is_thread_member(uuid),
      app_is_notice_author(uuid), app_can_read_notice(uuid), app_is_member(uuid),
      app_may_write_messages(), app_may_publish(), app_has_role(text);`);
  }
}
