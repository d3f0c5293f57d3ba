import { computed } from 'vue';
import { isCountyWide } from '@domain/access';
import { canAnswerRectification, isSupervisionOffice } from '@domain/rectification-schemas';
import type { RectificationDetailDto, RectificationSummaryDto } from '../api/rectifications';
import { useSessionStore } from '../stores/session';
import { principalOf } from './use-permissions';

/**
 * What the account may do with rectification notices: the api's own rules (the principal is
 * expressed in org codes, so a notice's unit is compared by its code).
 */
export function useRectificationRights() {
  const session = useSessionStore();
  const who = computed(() => (session.me ? principalOf(session.me) : null));
  const office = computed(() => (who.value ? isSupervisionOffice(who.value) : false));
  return {
    /** Issues, verifies and withdraws notices. */
    office,
    /** Sees the 监督 section: county-wide accounts (the leaders), the office among them. */
    supervisionReader: computed(() => (who.value ? isCountyWide(who.value) : false)),
    canAnswer: (n: Pick<RectificationSummaryDto, 'unit' | 'status'>) =>
      !!who.value && n.status === 'open' && canAnswerRectification(who.value, { unitId: n.unit.code }),
  };
}

/** Problems the unit still has to answer: never answered, or sent back. */
export const awaitingAnswer = (n: RectificationDetailDto) =>
  n.problems.filter((p) => p.status === 'open' || p.status === 'sentBack');

/** Element Plus tag types for a notice's and a problem's status and the ladder step. */
export const STATUS_TAG = {
  open: 'warning',
  closed: 'success',
  withdrawn: 'info',
  answered: 'primary',
  sentBack: 'danger',
  accepted: 'success',
} as const satisfies Record<string, 'primary' | 'success' | 'warning' | 'info' | 'danger'>;
export const LADDER_TAG: Record<string, 'warning' | 'danger'> = {
  reminder: 'warning',
  overdue: 'danger',
  escalated: 'danger',
  interview: 'danger',
};
