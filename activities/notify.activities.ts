/**
 * The one notification interface the workflows call. A notification names its audience (units,
 * county level, administrators), not people: recipients are resolved here, the in-app inbox is
 * written, and every outside delivery (e-mail, SMS, chat robots, the outbox) is queued for the
 * dispatcher (`activities/notify/dispatcher.ts`), which sends them off the workflow task slots.
 * Idempotent: the inbox keys its rows on (notification key, recipient), the queue on
 * (notification key, recipient, channel).
 */
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, inScope, withScopedEm } from '#db/scope.js';
import type { NotificationFacts } from '#domain/notify-schemas.js';
import { inboxOnly, type DeliveryConfig } from './notify/delivery-config.js';
import { deliveryRows, enqueueDeliveries, type ContactRecipient } from './notify/enqueue.js';
import { unconfiguredRender } from './notify/render.js';

export interface Notification {
  /** Stable across retries: e.g. alert:<project>:<kind>:<period>:<arm>:<step>. */
  key: string;
  projectId: string | null;
  category: 'deadline' | 'rectification' | 'complaint';
  severity: 'info' | 'warning' | 'critical';
  title: string;
  body: string;
  /**
   * What it is about, as data: outside channels render it per language and channel. Absent in
   * notifications scheduled before it existed; they are rendered from title and body.
   */
  facts?: NotificationFacts;
  audience: {
    unitIds: string[];
    /** Only the units' operator accounts (else every account of the units: query accounts too). */
    operatorsOnly: boolean;
    /** System administrators. */
    admins: boolean;
    /** County level: the supervising offices and county leaders. */
    countyLevel: boolean;
  };
}

export interface Recipient {
  userId: string;
  username: string;
}

export interface NotificationChannel {
  readonly name: string;
  /** Must be idempotent on (n.key, recipient): activities are retried. */
  deliver(n: Notification, recipients: Recipient[], at: string): Promise<void>;
}

export function inboxChannel(orm: Orm, audit: AuditLog): NotificationChannel {
  return {
    name: 'inbox',
    async deliver(n, recipients, at) {
      if (recipients.length === 0) return;
      // Messages are written as the system: row-level security lets no user scope insert them.
      await withScopedEm(orm, SYSTEM_SCOPE, async (em) => {
        const inserted = await em.execute<{ user_id: string }[]>(
          `INSERT INTO inbox_message (key, user_id, project_id, category, severity, title, body, created_at)
           SELECT ?, u, ?, ?, ?, ?, ?, ? FROM unnest(ARRAY[?]::uuid[]) AS u
           ON CONFLICT (key, user_id) DO NOTHING RETURNING user_id`,
          [n.key, n.projectId, n.category, n.severity, n.title, n.body, at, recipients.map((r) => r.userId)],
          'all',
        );
        // One audit row per delivery (not per retry): only when this attempt wrote messages.
        if (inserted.length === 0) return;
        await audit.append(em, {
          actor: { id: null, username: 'system' },
          via: 'activity',
          action: 'notify.inbox',
          entity: 'inbox_message',
          entityId: n.key,
          after: { title: n.title, recipients: inserted.length },
          at,
        });
      });
    },
  };
}

/**
 * The audience rule decides the inbox: every addressed account reads it there. E-mail, SMS and the
 * like go to those who act on an alert, the operators, administrators, county leaders and the
 * supervision office, and not to query-only accounts (a paid SMS to someone who cannot act is
 * noise); and also to the main leader (单位主要负责人) of every unit addressed once a deadline is
 * overdue (warning and above).
 */
const RECIPIENTS_SQL = `
  WITH addressed AS (
    SELECT u.id, u.username, u.email, u.phone,
      ((o.id = ANY(ARRAY[?]::uuid[]) AND (NOT ? OR EXISTS
          (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role = 'operator')))
        OR (? AND EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role = 'admin'))
        OR (? AND (o.kind IN ('county', 'office') OR EXISTS
          (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role IN ('leader', 'supervisor'))))) AS inbox,
      (u.unit_head AND o.id = ANY(ARRAY[?]::uuid[]) AND ? <> 'info') AS head,
      EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role <> 'viewer') AS acts
    FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id
    WHERE NOT u.disabled)
  SELECT a.id, a.username, a.email, a.phone, a.inbox, (a.inbox AND a.acts) OR a.head AS outside,
         COALESCE(p.email_on, true) AS email_on, COALESCE(p.sms_on, true) AS sms_on,
         COALESCE(p.digest, false) AS digest, COALESCE(p.locale, 'zh-CN') AS locale
    FROM addressed a LEFT JOIN notification_preference p ON p.user_id = a.id
   WHERE a.inbox OR a.head
   ORDER BY a.username`;

interface RecipientRow {
  id: string;
  username: string;
  email: string | null;
  phone: string | null;
  inbox: boolean;
  /** Reached outside the console: an account that acts on alerts (not query-only), or a unit head. */
  outside: boolean;
  email_on: boolean;
  sms_on: boolean;
  digest: boolean;
  locale: 'zh-CN' | 'en';
}

export function createNotifyActivities({
  orm,
  audit,
  channels,
  delivery,
}: {
  orm: Orm;
  audit: AuditLog;
  channels?: NotificationChannel[];
  /** Outside channels; none (the inbox alone) when not given. */
  delivery?: DeliveryConfig;
}) {
  const all = channels ?? [inboxChannel(orm, audit)];
  const cfg = delivery ?? inboxOnly(unconfiguredRender);
  return {
    async notify(n: Notification): Promise<{ recipients: number; queued: number }> {
      const a = n.audience;
      const units = a.unitIds.length ? a.unitIds : ['00000000-0000-0000-0000-000000000000'];
      const [rows, codes] = await inScope(orm, SYSTEM_SCOPE, (tx) =>
        tx.batch([
          {
            sql: RECIPIENTS_SQL,
            params: [units, a.operatorsOnly, a.admins, a.countyLevel, units, n.severity],
          },
          { sql: `SELECT code FROM org_unit WHERE id = ANY(ARRAY[?]::uuid[])`, params: [units] },
        ]),
      );
      const people = rows as RecipientRow[];
      const at = new Date().toISOString();
      const list = people.filter((r) => r.inbox).map((r) => ({ userId: r.id, username: r.username }));
      for (const c of all) await c.deliver(n, list, at);
      const contacts: ContactRecipient[] = people
        .filter((r) => r.outside)
        .map((r) => ({
          userId: r.id,
          username: r.username,
          email: r.email,
          phone: r.phone,
          emailOn: r.email_on,
          smsOn: r.sms_on,
          digest: r.digest,
          locale: r.locale,
        }));
      const facts: NotificationFacts = n.facts ?? {
        kind: 'text',
        title: n.title,
        body: n.body,
        path: n.projectId ? `/projects/${n.projectId}` : null,
      };
      const queued = await enqueueDeliveries(
        orm,
        deliveryRows(
          {
            key: n.key,
            projectId: n.projectId,
            severity: n.severity,
            facts,
            unitCodes: (codes as { code: string }[]).map((c) => c.code),
          },
          contacts,
          cfg,
          Date.parse(at),
        ),
      );
      return { recipients: list.length, queued };
    },
  };
}
