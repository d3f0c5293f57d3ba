/**
 * Notifications for people: the administrator's delivery log (addresses masked), resending what
 * failed or ended unknown, which channels are live, template previews on sample facts; and every
 * account's own contact details and preferences.
 */
import { z } from 'zod';
import type { Render } from '#activities/notify/delivery-config.js';
import { scopeOf } from '#db/scope.js';
import { AppError } from '#domain/errors.js';
import type {
  NotificationFacts,
  channelStatusSchema,
  deliveryDetailSchema,
  deliveryListSchema,
  deliveryQuerySchema,
  deliverySchema,
  notificationSettingsInputSchema,
  notificationSettingsSchema,
  templatePreviewQuerySchema,
  templatePreviewSchema,
} from '#domain/notify-schemas.js';
import { callerOf } from '../../http.js';
import { actorOf, type SessionUser } from '../auth/session.js';
import type { DeliveryRow, NotificationRepository } from './repository.js';

type ChannelStatus = z.infer<typeof channelStatusSchema>['channels'][number];

/** 13812345678 → 138****5678; zhang@example.cn → z***@example.cn; robot names as they are. */
export function maskAddress(channel: string, address: string): string {
  if (channel === 'sms') {
    const m = /^(\+86)?(\d{3})\d{4}(\d{4})$/.exec(address);
    return m ? `${m[1] ?? ''}${m[2]}****${m[3]}` : '****';
  }
  if (channel === 'email') {
    const at = address.lastIndexOf('@');
    return at > 0 ? `${address[0]}***${address.slice(at)}` : '***';
  }
  return address;
}

function toDto(r: DeliveryRow): z.infer<typeof deliverySchema> {
  return {
    id: r.id,
    notificationKey: r.notification_key,
    channel: r.channel as z.infer<typeof deliverySchema>['channel'],
    recipient: r.username ? { username: r.username, displayName: r.display_name ?? r.username } : null,
    address: maskAddress(r.channel, r.address),
    title: r.title,
    severity: r.severity as z.infer<typeof deliverySchema>['severity'],
    status: r.status as z.infer<typeof deliverySchema>['status'],
    attempts: r.attempts,
    notBefore: new Date(r.not_before).toISOString(),
    vendorId: r.vendor_id,
    lastErrorCode: r.last_error_code,
    lastError: r.last_error,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
  };
}

const notFound = (id: string) => new AppError('NOT_FOUND', `投递记录不存在 (delivery ${id} not found)`);

/** The project in a preview: made up, so a preview shows no real data. */
function sampleFacts(q: z.infer<typeof templatePreviewQuerySchema>): NotificationFacts {
  return {
    kind: 'deadline',
    projectId: '00000000-0000-4000-8000-000000000001',
    projectCode: 'XM-2026-001',
    projectName: '示例村道路硬化工程',
    deadline: q.deadline,
    period: q.deadline === 'progress' ? '2026-11' : '',
    dueDate: '2026-11-30',
    step: q.step,
    daysLate: q.step === 'reminder' ? 0 : q.step === 'overdue' ? 1 : q.step === 'escalated' ? 8 : 23,
    earlierSteps: [],
  };
}

export function createNotificationService(deps: {
  repo: NotificationRepository;
  render: Render;
  channels: () => ChannelStatus[];
}) {
  const { repo } = deps;
  return {
    async list(
      user: SessionUser,
      q: z.infer<typeof deliveryQuerySchema>,
    ): Promise<z.infer<typeof deliveryListSchema>> {
      const { rows, total } = await repo.list(scopeOf(callerOf(user)), q);
      return { items: rows.map(toDto), total, page: q.page, pageSize: q.pageSize };
    },

    async detail(user: SessionUser, id: string): Promise<z.infer<typeof deliveryDetailSchema>> {
      const found = await repo.detail(scopeOf(callerOf(user)), id);
      if (!found) throw notFound(id);
      return {
        ...toDto(found.row),
        attemptLog: found.attempts.map((a) => ({
          no: a.no,
          startedAt: new Date(a.started_at).toISOString(),
          finishedAt: a.finished_at ? new Date(a.finished_at).toISOString() : null,
          outcome: a.outcome as 'sent' | 'retry' | 'failed' | 'unknown' | null,
          vendorId: a.vendor_id,
          errorCode: a.error_code,
          errorMessage: a.error_message,
        })),
      };
    },

    async resend(user: SessionUser, id: string, ip: string | undefined) {
      // Read in the administrator's scope first: what RLS hides does not exist for the caller.
      if (!(await repo.detail(scopeOf(callerOf(user)), id))) throw notFound(id);
      const { had, earlier } = await repo.resend(id, {
        actor: actorOf(user),
        via: 'api',
        action: 'notification.resend',
        entity: 'notification_delivery',
        entityId: id,
        ip: ip ?? null,
      });
      // A retry of a resend its first run made answers the delivery as it is now.
      if (earlier) return this.detail(user, id);
      if (had === null) throw notFound(id);
      if (had !== 'failed' && had !== 'unknown')
        throw new AppError(
          'CONFLICT',
          `只能重发失败或状态未知的投递，当前状态为 ${had} (only failed or unknown deliveries can be resent)`,
          { status: had },
        );
      return this.detail(user, id);
    },

    channels(): z.infer<typeof channelStatusSchema> {
      return { channels: deps.channels() };
    },

    preview(q: z.infer<typeof templatePreviewQuerySchema>): z.infer<typeof templatePreviewSchema> {
      return deps.render(sampleFacts(q), q.locale);
    },

    async settings(user: SessionUser): Promise<z.infer<typeof notificationSettingsSchema>> {
      const s = await repo.settings(user.id);
      if (!s) throw new AppError('NOT_FOUND', '账号不存在 (account not found)');
      return {
        email: s.email,
        phone: s.phone,
        channels: { email: s.email_on, sms: s.sms_on },
        digest: s.digest,
        locale: s.locale,
      };
    },

    async saveSettings(
      user: SessionUser,
      body: z.infer<typeof notificationSettingsInputSchema>,
      ip: string | undefined,
    ): Promise<z.infer<typeof notificationSettingsSchema>> {
      await repo.saveSettings(
        user.id,
        {
          email: body.email,
          phone: body.phone,
          emailOn: body.channels.email,
          smsOn: body.channels.sms,
          digest: body.digest,
          locale: body.locale ?? null,
        },
        (before) => ({
          actor: actorOf(user),
          via: 'api',
          action: 'notification.settings',
          entity: 'user',
          entityId: user.id,
          before,
          after: body,
          ip: ip ?? null,
        }),
      );
      return this.settings(user);
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
