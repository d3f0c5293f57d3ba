import { EntitySchema } from '@mikro-orm/core';
import type { Stage } from '#domain/lifecycle.js';
import type { OrgUnit } from './org-unit.entity.js';

/**
 * The project row is a read model of the workflow: only the project activities write it
 * (idempotently, keyed on the history sequence number, in raw SQL); the api reads it. Row-level
 * security applies: read it through `withScopedEm`.
 */
export interface Project {
  id: string;
  code: string;
  workflowId: string;
  name: string;
  year: number;
  type: string;
  nature: string;
  department: OrgUnit;
  ownerUnit: OrgUnit;
  location?: string | null;
  approvalDocumentNo: string;
  budgetFen: string; // bigint 分, kept as the driver's string: never a float
  stage: Stage;
  stageSeq: number;
  progressPercent: number;
  plannedStart: string;
  plannedCompletion: string;
  plannedAcceptance: string;
  plannedReimbursement: string;
  createdAt: Date;
  updatedAt: Date;
}

export const ProjectSchema = new EntitySchema<Project>({
  name: 'Project',
  tableName: 'project',
  properties: {
    id: { type: 'uuid', primary: true },
    code: { type: 'text', unique: true },
    workflowId: { type: 'text', unique: true },
    name: { type: 'text' },
    year: { type: 'integer' },
    type: { type: 'text' },
    nature: { type: 'text' },
    department: { kind: 'm:1', entity: 'OrgUnit', fieldName: 'department_id' },
    ownerUnit: { kind: 'm:1', entity: 'OrgUnit', fieldName: 'owner_unit_id' },
    location: { type: 'text', nullable: true },
    approvalDocumentNo: { type: 'text' },
    budgetFen: { type: 'bigint' },
    stage: { type: 'text' },
    stageSeq: { type: 'integer' },
    progressPercent: { type: 'integer' },
    plannedStart: { type: 'date' },
    plannedCompletion: { type: 'date' },
    plannedAcceptance: { type: 'date' },
    plannedReimbursement: { type: 'date' },
    createdAt: { type: 'Date' },
    updatedAt: { type: 'Date' },
  },
});
