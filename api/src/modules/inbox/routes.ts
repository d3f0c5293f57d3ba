import { z } from 'zod';
import {
  inboxListSchema,
  inboxMessageSchema,
  inboxQuerySchema,
  inboxUnreadSchema,
} from '#domain/notify-schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { InboxService } from './service.js';

/**
 * A message's id: its bigserial, as digits that fit a bigint (zod's own message, in the caller's
 * language). Anything else would reach PostgreSQL as a cast it refuses.
 */
const messageId = z.string().regex(/^[1-9]\d{0,17}$/);

export function inboxRoutes(inbox: InboxService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/inbox',
      summary: '站内消息 (your inbox, newest first; `unread=true` for the unread ones only)',
      tags: ['inbox'],
      access: 'authenticated',
      query: inboxQuerySchema,
      response: inboxListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => inbox.list(callerOf(user!), query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/inbox/unread-count',
      summary: '未读消息数 (how many of your messages are unread)',
      tags: ['inbox'],
      access: 'authenticated',
      response: inboxUnreadSchema,
      errors: [401],
      handler: async ({ user }) => inbox.unread(callerOf(user!)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/inbox/read-all',
      summary: '全部标为已读 (marks every message read; answers the unread count afterwards)',
      tags: ['inbox'],
      access: 'authenticated',
      response: inboxUnreadSchema,
      errors: [401],
      handler: async ({ user }) => inbox.readAll(callerOf(user!)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/inbox/:id/read',
      summary: '标为已读 (marks one of your messages read; another account’s is a 404)',
      tags: ['inbox'],
      access: 'own',
      params: { id: messageId },
      response: inboxMessageSchema,
      errors: [401, 404, 422],
      handler: async ({ user, params }) => inbox.markRead(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'post',
      path: '/api/inbox/:id/unread',
      summary: '标为未读 (marks one of your messages unread; another account’s is a 404)',
      tags: ['inbox'],
      access: 'own',
      params: { id: messageId },
      response: inboxMessageSchema,
      errors: [401, 404, 422],
      handler: async ({ user, params }) => inbox.markUnread(callerOf(user!), params.id!),
    }),
  ];
}
