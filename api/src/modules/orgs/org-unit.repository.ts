/** Org units as entities. Units carry no row-level security: every account may read the tree. */
import { QueryOrder, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ORG_KINDS, type OrgKind } from '#domain/schemas.js';
import { OrgUnitSchema, type OrgUnit } from '#db/entities/org-unit.entity.js';

const KIND_ORDER = `ARRAY[${ORG_KINDS.map((k) => `'${k}'`).join(', ')}]`;

/** Every unit with its parent: the county, its offices, departments, townships, villages; by code within each. */
export function listOrgUnits(em: EntityManager) {
  return em.find(
    OrgUnitSchema,
    {},
    {
      populate: ['parent'],
      orderBy: [
        { [raw((alias: string) => `array_position(${KIND_ORDER}, ${alias}.kind)`)]: QueryOrder.ASC },
        { code: QueryOrder.ASC },
      ],
    },
  );
}

export function findOrgUnit(em: EntityManager, code: string): Promise<OrgUnit | null> {
  return em.findOne(OrgUnitSchema, { code });
}

export function findOrgUnitWithParent(em: EntityManager, code: string) {
  return em.findOne(OrgUnitSchema, { code }, { populate: ['parent'] });
}

export async function addOrgUnit(
  em: EntityManager,
  unit: { code: string; name: string; kind: OrgKind; parent: OrgUnit | null },
): Promise<OrgUnit> {
  const created = em.create(OrgUnitSchema, unit);
  await em.flush();
  return created;
}

export async function renameOrgUnit(em: EntityManager, unit: OrgUnit, name: string): Promise<void> {
  unit.name = name;
  await em.flush();
}
