import type { AdminUserDto, OrgUnitDto } from '../../api/client';

/** The roles offered in the filter (the contract's list, kept here so zod stays out of the page). */
export const ROLE_KEYS = ['admin', 'leader', 'supervisor', 'operator', 'viewer'] as const;
/** The states an account may be in, each a tag in the list; `normal` is none of the others. */
export const STATES = ['normal', 'disabled', 'locked', 'mustChange', 'totp'] as const;
export type UserState = (typeof STATES)[number];

export function stateOf(u: AdminUserDto): UserState[] {
  const out: UserState[] = [];
  if (u.disabled) out.push('disabled');
  if (u.locked) out.push('locked');
  if (u.mustChangePassword) out.push('mustChange');
  if (u.totpEnabled) out.push('totp');
  return out.length ? out : ['normal'];
}

export interface OrgNode {
  code: string;
  name: string;
  children: OrgNode[];
}

/** The org units as a tree (county → offices, departments, townships → villages). */
export function orgTree(units: readonly OrgUnitDto[]): OrgNode[] {
  const nodes = new Map(
    units.map((u) => [u.code, { code: u.code, name: u.name, children: [] as OrgNode[] }]),
  );
  const roots: OrgNode[] = [];
  for (const u of units) {
    const parent = u.parentCode ? nodes.get(u.parentCode) : undefined;
    (parent ? parent.children : roots).push(nodes.get(u.code)!);
  }
  return roots;
}

/** A unit's code and every code beneath it: choosing a township lists its villages' accounts too. */
export function unitAndBelow(units: readonly OrgUnitDto[], code: string): Set<string> {
  const out = new Set([code]);
  for (let grew = true; grew;) {
    grew = false;
    for (const u of units)
      if (u.parentCode && out.has(u.parentCode) && !out.has(u.code)) {
        out.add(u.code);
        grew = true;
      }
  }
  return out;
}
