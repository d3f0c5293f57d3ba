import type { InboxMessageDto } from '../../api/client';

/** Element Plus's tag colour for a message's severity. */
export const severityTag = (s: InboxMessageDto['severity']) =>
  s === 'critical' ? 'danger' : s === 'warning' ? 'warning' : ('info' as const);
