import {
  channelStatusSchema,
  deliveryDetailSchema,
  deliveryListSchema,
  deliveryQuerySchema,
  notificationSettingsInputSchema,
  notificationSettingsSchema,
  templatePreviewQuerySchema,
  templatePreviewSchema,
} from '#domain/notify-schemas.js';
import { defineRoute, type RouteDef } from '../../http.js';
import type { NotificationService } from './service.js';

export function notificationRoutes(svc: NotificationService): RouteDef[] {
  const admin = { tags: ['notifications'], access: 'admin' as const };
  const own = { tags: ['notifications'], access: 'authenticated' as const };
  return [
    defineRoute({
      ...admin,
      method: 'get',
      path: '/api/admin/notification-deliveries',
      summary: '通知投递记录 (the delivery log, newest first; addresses masked)',
      query: deliveryQuerySchema,
      response: deliveryListSchema,
      errors: [401, 403, 422],
      handler: async ({ user, query }) => svc.list(user!, query),
    }),
    defineRoute({
      ...admin,
      method: 'get',
      path: '/api/admin/notification-deliveries/:id',
      summary: '一条投递及其每次尝试 (a delivery with its attempt log)',
      response: deliveryDetailSchema,
      errors: [401, 403, 404],
      handler: async ({ user, params }) => svc.detail(user!, params.id!),
    }),
    defineRoute({
      ...admin,
      method: 'post',
      path: '/api/admin/notification-deliveries/:id/resend',
      summary: '重发 (a failed or unknown delivery is queued again; 409 for any other status)',
      response: deliveryDetailSchema,
      errors: [401, 403, 404, 409],
      handler: async ({ user, params, req }) => svc.resend(user!, params.id!, req.ip),
    }),
    defineRoute({
      ...admin,
      method: 'get',
      path: '/api/admin/notification-channels',
      summary: '通知渠道状态 (which channels are live and what they send through, without secrets)',
      response: channelStatusSchema,
      errors: [401, 403],
      handler: async () => svc.channels(),
    }),
    defineRoute({
      ...admin,
      method: 'get',
      path: '/api/admin/notification-templates/preview',
      summary: '通知模板预览 (a deadline alert rendered on sample facts)',
      query: templatePreviewQuerySchema,
      response: templatePreviewSchema,
      errors: [401, 403, 422],
      handler: async ({ query }) => svc.preview(query),
    }),
    defineRoute({
      ...own,
      method: 'get',
      path: '/api/me/notification-settings',
      summary: '我的通知设置 (own e-mail, mobile number, channels, digest and message language)',
      response: notificationSettingsSchema,
      errors: [401],
      handler: async ({ user }) => svc.settings(user!),
    }),
    defineRoute({
      ...own,
      method: 'put',
      path: '/api/me/notification-settings',
      summary: '修改我的通知设置 (locale may be left out: the language already chosen stays)',
      body: notificationSettingsInputSchema,
      response: notificationSettingsSchema,
      errors: [401, 422],
      handler: async ({ user, body, req }) => svc.saveSettings(user!, body, req.ip),
    }),
  ];
}
