/**
 * The one notification interface the workflows call. A notification names its audience (units,
 * county level, administrators), not people: recipients are resolved here, then every configured
 * channel delivers it. Today the only channel is the in-app inbox; e-mail, SMS and chat channels
 * implement `NotificationChannel` and are added to the list.
 * Idempotent: each channel keys its deliveries on (notification key, recipient).
 */
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, withScopedEm } from '#db/scope.js';

export interface Notification {
  /** Stable across retries: e.g. alert:<project>:<kind>:<period>:<arm>:<step>. */
  key: string;
  projectId: string | null;
  category: 'deadline';
  severity: 'info' | 'warning' | 'critical';
  title: string;
  body: string;
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

export function createNotifyActivities({
  orm,
  audit,
  channels,
}: {
  orm: Orm;
  audit: AuditLog;
  channels?: NotificationChannel[];
}) {
  const all = channels ?? [inboxChannel(orm, audit)];
  return {
    async notify(n: Notification): Promise<{ recipients: number }> {
      const a = n.audience;
      const recipients = await orm.em.fork().execute<{ id: string; username: string }[]>(
        `SELECT DISTINCT u.id, u.username FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id
          WHERE NOT u.disabled AND (
            (o.id = ANY(ARRAY[?]::uuid[]) AND (NOT ? OR EXISTS
               (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role = 'operator')))
            OR (? AND EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role = 'admin'))
            OR (? AND (o.kind IN ('county', 'office') OR EXISTS
               (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role IN ('leader', 'supervisor')))))`,
        [
          a.unitIds.length ? a.unitIds : ['00000000-0000-0000-0000-000000000000'],
          a.operatorsOnly,
          a.admins,
          a.countyLevel,
        ],
        'all',
      );
      const at = new Date().toISOString();
      const list = recipients.map((r) => ({ userId: r.id, username: r.username }));
      for (const c of all) await c.deliver(n, list, at);
      return { recipients: list.length };
    },
  };
}
