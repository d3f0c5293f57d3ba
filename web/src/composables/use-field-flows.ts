import { computed } from 'vue';
import { canWriteLedger } from '@domain/access';
import type { MeDto, ProjectDto } from '@domain/schemas';
import { useSessionStore } from '../stores/session';
import { actionsFor, principalOf, scopeOf } from './use-permissions';

export type FieldFlow = 'visit' | 'notice' | 'progress';

/** What the last send of a flow did: its summary, and for an entry with photos how many went. */
export interface FieldReport {
  kind: FieldFlow;
  text: string;
  photos: number;
  failed: number;
}

/**
 * The on-site flows a user may take for a project, by the same rules as the api: a supervision
 * visit and a public notice belong to the site ledger (the village's operator); the monthly
 * progress report is the workflow step `reportProgress`, the owner unit's (usually the township's,
 * so a village operator does not see it), and only while the works are under way.
 */
export function fieldFlowsFor(
  me: MeDto,
  p: Pick<ProjectDto, 'allowedActions' | 'department' | 'ownerUnit' | 'villages'>,
): FieldFlow[] {
  const flows: FieldFlow[] = [];
  if (canWriteLedger(principalOf(me), scopeOf(p), 'site')) flows.push('visit', 'notice');
  if (actionsFor(me, p).includes('reportProgress')) flows.push('progress');
  return flows;
}

export function useFieldFlows() {
  const session = useSessionStore();
  const me = computed(() => session.me);
  return (p: Parameters<typeof fieldFlowsFor>[1]) => (me.value ? fieldFlowsFor(me.value, p) : []);
}
