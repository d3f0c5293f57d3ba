/**
 * Complaints (监督举报, docs/complaints.md) in the typed client: request and answer types come from
 * the shared contract domain/complaint-schemas.ts (type-only imports).
 */
import type { z } from 'zod';
import type {
  complaintDetailSchema,
  complaintListQuerySchema,
  complaintListSchema,
} from '@domain/complaint-schemas';
import { qs, request } from './client';

export type ComplaintDetailDto = z.infer<typeof complaintDetailSchema>;
export type ComplaintListDto = z.infer<typeof complaintListSchema>;
export type ComplaintItemDto = ComplaintListDto['items'][number];
export type ComplaintListQuery = Partial<z.input<typeof complaintListQuerySchema>>;

const path = (id: string) => `/api/complaints/${encodeURIComponent(id)}`;

export const complaintApi = {
  list: (q: ComplaintListQuery) => request<ComplaintListDto>('GET', `/api/complaints${qs(q)}`),
  get: (id: string) => request<ComplaintDetailDto>('GET', path(id)),
  acknowledge: (id: string) => request<ComplaintDetailDto>('POST', `${path(id)}/acknowledge`, {}),
  assign: (id: string, unitCode: string, note?: string) =>
    request<ComplaintDetailDto>('POST', `${path(id)}/assign`, { unitCode, ...(note ? { note } : {}) }),
  answer: (id: string, answer: string) =>
    request<ComplaintDetailDto>('POST', `${path(id)}/answer`, { answer }),
  close: (id: string) => request<ComplaintDetailDto>('POST', `${path(id)}/close`, {}),
  reopen: (id: string, reason: string) =>
    request<ComplaintDetailDto>('POST', `${path(id)}/reopen`, { reason }),
  /** Evidence is uploaded first (api.uploadAttachment); the handling names the ids it got back. */
  handle: (id: string, action: string, evidenceIds: string[]) =>
    request<ComplaintDetailDto>('POST', `${path(id)}/handle`, { action, evidenceIds }),
  /** Link targets, not fetches: the browser opens them with the session cookie. */
  photoUrl: (id: string, photoId: string) => `${path(id)}/photos/${encodeURIComponent(photoId)}`,
  evidenceUrl: (id: string, evidenceId: string) => `${path(id)}/evidence/${encodeURIComponent(evidenceId)}`,
};
