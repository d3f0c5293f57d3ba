import { computed } from 'vue';
import { ACTION_LEVEL, canTakeAction, isCountyWide, type Principal, type ProjectScope } from '@domain/access';
import type { Action } from '@domain/lifecycle';
import type { MeDto, ProjectDto } from '@domain/schemas';
import { useSessionStore } from '../stores/session';

/*
 * The console asks the same questions as the api, through the same functions of domain/access.ts.
 * The DTOs carry org codes rather than ids; a code names a unit as uniquely as its id, so the
 * principal and the scope are both expressed in codes here. (townshipIds only matter for reading,
 * which the api has already decided by returning the project at all.)
 */
export function principalOf(me: MeDto): Principal {
  return { orgUnitId: me.orgUnit.code, orgKind: me.orgUnit.kind, roles: me.roles };
}

export function scopeOf(p: Pick<ProjectDto, 'department' | 'ownerUnit' | 'villages'>): ProjectScope {
  return {
    departmentId: p.department.code,
    ownerUnitId: p.ownerUnit.code,
    villageIds: p.villages.map((v) => v.code),
    townshipIds: [],
  };
}

/** The actions of the project's current stage (its table) that this user may take. */
export function actionsFor(
  me: MeDto,
  p: Pick<ProjectDto, 'allowedActions' | 'department' | 'ownerUnit' | 'villages'>,
): Action[] {
  const who = principalOf(me);
  const scope = scopeOf(p);
  return p.allowedActions.filter((a) => canTakeAction(who, scope, a));
}

/** The units that take the stage's steps (for "taken by …" hints). */
export function actingUnits(p: Pick<ProjectDto, 'allowedActions' | 'department' | 'ownerUnit'>): string[] {
  const names = new Set<string>();
  for (const a of p.allowedActions)
    names.add(ACTION_LEVEL[a] === 'department' ? p.department.name : p.ownerUnit.name);
  return [...names];
}

export function usePermissions() {
  const session = useSessionStore();
  const me = computed(() => session.me);
  return {
    me,
    countyWide: computed(() => (me.value ? isCountyWide(principalOf(me.value)) : false)),
    isOperator: computed(() => me.value?.roles.includes('operator') ?? false),
    actionsFor: (p: Parameters<typeof actionsFor>[1]) => (me.value ? actionsFor(me.value, p) : []),
  };
}
