/**
 * Who may see and do what (docs/domain.md §8). Pure rules; the api's repository layer applies the same
 * scope in SQL, and row-level security in PostgreSQL holds it beneath them.
 */
import type { Action } from './lifecycle.js';
import type { OrgKind, Role } from './schemas.js';

export interface Principal {
  orgUnitId: string;
  orgKind: OrgKind;
  roles: readonly Role[];
  /**
   * The signed-in account, for what belongs to a person rather than a unit (the inbox). Absent
   * where only the unit's rules matter (a principal built from an org unit and roles).
   */
  userId?: string;
}

export interface ProjectScope {
  departmentId: string;
  ownerUnitId: string;
  villageIds: readonly string[];
  /** Townships the project's villages belong to. */
  townshipIds: readonly string[];
}

/** Which level takes each step: 谁主管、谁负责 (department) / 谁当业主、谁负责 (owner unit). */
export const ACTION_LEVEL: Record<Action, 'department' | 'ownerUnit'> = {
  approveDesign: 'department',
  fixImplementation: 'ownerUnit',
  start: 'ownerUnit',
  reportProgress: 'ownerUnit',
  complete: 'ownerUnit',
  inspect: 'department',
  reimburse: 'department',
  handOver: 'ownerUnit',
  close: 'ownerUnit',
  adjust: 'department',
  cancel: 'department',
};

export function isCountyWide(p: Principal): boolean {
  return (
    p.roles.includes('leader') ||
    p.roles.includes('supervisor') ||
    p.roles.includes('admin') ||
    p.orgKind === 'county' ||
    p.orgKind === 'office'
  );
}

export function canReadProject(p: Principal, s: ProjectScope): boolean {
  if (isCountyWide(p)) return true;
  switch (p.orgKind) {
    case 'department':
      return s.departmentId === p.orgUnitId || s.ownerUnitId === p.orgUnitId;
    case 'township':
      return s.ownerUnitId === p.orgUnitId || s.townshipIds.includes(p.orgUnitId);
    case 'village':
      return s.villageIds.includes(p.orgUnitId);
    default:
      return false;
  }
}

export function canTakeAction(p: Principal, s: ProjectScope, action: Action): boolean {
  if (!p.roles.includes('operator')) return false;
  return ACTION_LEVEL[action] === 'department'
    ? s.departmentId === p.orgUnitId
    : s.ownerUnitId === p.orgUnitId;
}

export function canCreateProject(p: Principal, departmentId: string): boolean {
  return p.roles.includes('operator') && p.orgKind === 'department' && p.orgUnitId === departmentId;
}

/**
 * Each ledger is written only by its level (docs/domain.md §3): the department ledger by the governing
 * department's operator, the implementing-unit ledger by the owner unit's operator, the site ledger
 * by the operator of a village the project lies in.
 */
export function canWriteLedger(
  p: Principal,
  s: ProjectScope,
  ledger: 'department' | 'implementing' | 'site',
): boolean {
  if (!p.roles.includes('operator')) return false;
  switch (ledger) {
    case 'department':
      return s.departmentId === p.orgUnitId;
    case 'implementing':
      return s.ownerUnitId === p.orgUnitId;
    case 'site':
      return p.orgKind === 'village' && s.villageIds.includes(p.orgUnitId);
  }
}
