import type { DeliveryDto } from '../../api/client';

/** Element Plus's tag colour for a delivery's status. */
export const statusTag = (s: DeliveryDto['status']) =>
  s === 'sent'
    ? 'success'
    : s === 'failed'
      ? 'danger'
      : s === 'unknown'
        ? 'warning'
        : s === 'sending'
          ? 'primary'
          : ('info' as const);

/** Whether an administrator may send it again: it will not be tried again by itself. */
export const resendable = (d: Pick<DeliveryDto, 'status'>) => d.status === 'failed' || d.status === 'unknown';
