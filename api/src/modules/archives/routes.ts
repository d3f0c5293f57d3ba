import { z } from 'zod';
import {
  ARCHIVE_TYPES,
  archiveDocumentSchema,
  archiveRequirementSchema,
  archiveRequirementsSchema,
  archiveUploadQuerySchema,
  projectArchivesSchema,
} from '#domain/archives.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { ArchiveService } from './service.js';

export function archiveRoutes(service: ArchiveService, maxBytes: number): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/projects/:id/archives',
      summary:
        '上传档案资料 (upload an archive file for a ledger, a stage and optionally a ledger entry; raw bytes)',
      tags: ['archives'],
      access: 'project.ledger',
      ledger: 'query',
      rawBody: { contentTypes: Object.keys(ARCHIVE_TYPES), maxBytes },
      query: archiveUploadQuerySchema,
      response: archiveDocumentSchema,
      successStatus: 201,
      errors: [401, 403, 404, 413, 422],
      handler: async ({ user, params, query, req }) =>
        service.upload(callerOf(user!), params.id!, query, req.get('content-type') ?? '', req.body as Buffer),
    }),
    defineRoute({
      method: 'get',
      path: '/api/projects/:id/archives',
      summary: '项目档案资料及建档清单 (archive documents of a project and the checklist status)',
      tags: ['archives'],
      access: 'project.read',
      response: projectArchivesSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.list(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/archives/:id',
      summary: '下载档案资料 (download; the SHA-256 is checked again, a tampered file is refused with 409)',
      tags: ['archives'],
      access: 'project.read',
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) => {
        const { doc, bytes } = await service.download(callerOf(user!), params.id!);
        res
          .status(200)
          .type(doc.contentType)
          .setHeader('X-Content-SHA256', doc.sha256)
          .setHeader(
            'Content-Disposition',
            `attachment; filename="archive"; filename*=UTF-8''${encodeURIComponent(doc.fileName)}`,
          )
          .send(bytes);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/archive-requirements',
      summary: '建档清单 (required archive documents per stage)',
      tags: ['archives'],
      access: 'authenticated',
      response: z.object({ items: z.array(archiveRequirementSchema) }),
      errors: [401],
      handler: async () => ({ items: await service.requirements() }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/archive-requirements',
      summary: '配置建档清单 (replace the checklist; admin or supervision office)',
      tags: ['archives'],
      access: 'supervision.config',
      body: archiveRequirementsSchema,
      response: z.object({ items: z.array(archiveRequirementSchema) }),
      errors: [401, 403, 422],
      handler: async ({ user, body }) => ({
        items: await service.replaceRequirements(callerOf(user!), body.items),
      }),
    }),
  ];
}
