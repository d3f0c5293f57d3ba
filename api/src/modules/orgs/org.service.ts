/**
 * The org tree: every account reads it; administrators add units and rename them (audited with
 * the record before and after, in the write's transaction).
 */
import type { z } from 'zod';
import { AppError } from '#domain/errors.js';
import type { OrgKind, orgUnitSchema } from '#domain/schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { OrgUnit } from '#db/entities/org-unit.entity.js';
import type { Orm } from '#db/orm.js';
import { withEm } from '#db/scope.js';
import { txOf } from '#db/tx.js';
import { writeOnce } from '../../idempotency.js';
import { actorOf, type SessionUser } from '../auth/session.js';
import {
  addOrgUnit,
  findOrgUnit,
  findOrgUnitWithParent,
  listOrgUnits,
  renameOrgUnit,
} from './org-unit.repository.js';

type OrgUnitDto = z.infer<typeof orgUnitSchema>;

/** Which kinds of unit a unit of each kind may sit under. */
const PARENT_KIND: Record<OrgKind, OrgKind[]> = {
  county: [],
  office: ['county'],
  department: ['county'],
  township: ['county'],
  village: ['township'],
};

const toDto = (u: OrgUnit): OrgUnitDto => ({
  code: u.code,
  name: u.name,
  kind: u.kind,
  parentCode: u.parent?.code ?? null,
});

export function createOrgService(deps: { orm: Orm; audit: AuditLog }) {
  const { orm, audit } = deps;

  /** A unit as it is now: what a retry of a write its first run committed answers. */
  async function current(code: string): Promise<OrgUnitDto> {
    const unit = await findOrgUnitWithParent(orm.em.fork(), code);
    if (!unit) throw new AppError('NOT_FOUND', { zh: `单位不存在: ${code}`, en: `no unit “${code}”` });
    return toDto(unit);
  }

  return {
    async list(): Promise<OrgUnitDto[]> {
      return (await listOrgUnits(orm.em.fork())).map(toDto);
    },

    /**
     * Adds a unit. Once per Idempotency-Key: recorded against the key in its transaction, so a
     * retry whose answer was lost after the commit answers the unit instead of being refused for
     * its own code.
     */
    async create(
      admin: SessionUser,
      input: { code: string; name: string; kind: OrgKind; parentCode: string | null },
      ip?: string,
    ): Promise<OrgUnitDto> {
      let created: OrgUnitDto | undefined;
      const code = await writeOnce(orm, async (record) => {
        created = await withEm(orm, async (em) => {
          if (await findOrgUnit(em, input.code))
            throw new AppError('CONFLICT', {
              zh: `单位代码已存在: ${input.code}`,
              en: `the unit code “${input.code}” is taken`,
            });
          let parent: OrgUnit | null = null;
          if (input.parentCode) {
            parent = await findOrgUnit(em, input.parentCode);
            if (!parent || !PARENT_KIND[input.kind].includes(parent.kind)) {
              const kinds = PARENT_KIND[input.kind].join('/');
              throw new AppError(
                'VALIDATION_FAILED',
                {
                  zh: `上级单位不合适: ${input.parentCode}`,
                  en: `not a fitting parent unit: “${input.parentCode}”`,
                },
                [
                  {
                    path: 'body.parentCode',
                    message: {
                      zh: `${input.kind} 的上级须为 ${kinds || '无'}`,
                      en: `the parent of a ${input.kind} must be ${kinds || 'none'}`,
                    },
                  },
                ],
              );
            }
          } else if (PARENT_KIND[input.kind].length) {
            throw new AppError('VALIDATION_FAILED', '缺少上级单位 (parentCode required)', [
              { path: 'body.parentCode', message: { zh: '缺少上级单位', en: 'a parent unit is required' } },
            ]);
          }
          await addOrgUnit(em, { code: input.code, name: input.name, kind: input.kind, parent });
          const after = { ...input };
          await audit.append(em, {
            actor: actorOf(admin),
            via: 'api',
            action: 'admin.org.create',
            entity: 'org_unit',
            entityId: input.code,
            after,
            ip,
          });
          await record(txOf(em), input.code);
          return after;
        });
        return input.code;
      });
      return created ?? current(code);
    },

    /**
     * Renames a unit. Once per Idempotency-Key: a retry whose answer was lost after the commit
     * answers the unit as it is now, not renaming it back over a later rename.
     */
    async rename(admin: SessionUser, code: string, name: string, ip?: string): Promise<OrgUnitDto> {
      let renamed: OrgUnitDto | undefined;
      await writeOnce(orm, async (record) => {
        renamed = await withEm(orm, async (em) => {
          const unit = await findOrgUnitWithParent(em, code);
          if (!unit) throw new AppError('NOT_FOUND', { zh: `单位不存在: ${code}`, en: `no unit “${code}”` });
          // The audited record keeps the shape it has always had in the trail.
          const before = {
            code: unit.code,
            name: unit.name,
            kind: unit.kind,
            parent_code: unit.parent?.code ?? null,
          };
          await renameOrgUnit(em, unit, name);
          const after = { code, name, kind: before.kind, parentCode: before.parent_code };
          await audit.append(em, {
            actor: actorOf(admin),
            via: 'api',
            action: 'admin.org.rename',
            entity: 'org_unit',
            entityId: code,
            before,
            after,
            ip,
          });
          await record(txOf(em), code);
          return after;
        });
        return code;
      });
      return renamed ?? current(code);
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
