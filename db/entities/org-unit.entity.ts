import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { OrgKind } from '#domain/schemas.js';

/** A unit of the county: the county itself, its offices, departments, townships and villages. */
export interface OrgUnit {
  id: Opt<string>;
  code: string;
  name: string;
  kind: OrgKind;
  parent: OrgUnit | null;
  createdAt: Opt<Date>;
}

export const OrgUnitSchema = new EntitySchema<OrgUnit>({
  name: 'OrgUnit',
  tableName: 'org_unit',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    code: { type: 'text', unique: true },
    name: { type: 'text' },
    kind: { type: 'text' },
    parent: { kind: 'm:1', entity: 'OrgUnit', nullable: true, fieldName: 'parent_id' },
    createdAt: { type: 'Date', defaultRaw: 'now()' },
  },
});
