import type { RedFlagStatus } from '@domain/red-flags';

/** The tag colour of a flag's status: open is the one to act on. */
export function statusType(s: RedFlagStatus): 'danger' | 'info' | 'success' | 'warning' {
  return s === 'open' ? 'danger' : s === 'converted' ? 'warning' : s === 'cleared' ? 'success' : 'info';
}
