import type { Response } from 'express';
import { ARCHIVE_TYPES } from '#domain/archives.js';
import {
  attachmentSchema,
  attachmentUploadQuerySchema,
  type AttachmentDto,
} from '#domain/bulletin-schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { AttachmentService } from './service.js';

export function attachmentRoutes(service: AttachmentService, maxBytes: number): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/bulletin-attachments',
      summary:
        '上传附件 (upload a file for a notice, a policy or a message; raw bytes; then name its id in `attachmentIds`)',
      tags: ['bulletin'],
      access: 'bulletin.write',
      rawBody: { contentTypes: Object.keys(ARCHIVE_TYPES), maxBytes },
      query: attachmentUploadQuerySchema,
      response: attachmentSchema,
      successStatus: 201,
      errors: [401, 403, 413, 422],
      handler: async ({ user, query, req }) =>
        service.upload(callerOf(user!), query.fileName, req.get('content-type') ?? '', req.body as Buffer),
    }),
  ];
}

/** Sends a downloaded attachment (the module routes that serve one share it). */
export function sendAttachment(res: Response, file: { dto: AttachmentDto; bytes: Buffer }): undefined {
  res
    .status(200)
    .type(file.dto.contentType)
    .setHeader('X-Content-SHA256', file.dto.sha256)
    .setHeader(
      'Content-Disposition',
      `attachment; filename="attachment"; filename*=UTF-8''${encodeURIComponent(file.dto.fileName)}`,
    )
    .send(file.bytes);
  return undefined;
}
