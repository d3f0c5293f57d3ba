/**
 * The monthly circular (月通报, docs/supervision.md) in the typed client: request and answer types
 * come from the shared contract domain/circular/schemas.ts (type-only imports).
 */
import type { z } from 'zod';
import type {
  circularListSchema,
  CircularDto,
  EditCircularInput,
  CircularSummary,
} from '@domain/circular/schemas';
import { request } from './client';

export type CircularListDto = z.infer<typeof circularListSchema>;
export type { CircularDto, CircularSummary, EditCircularInput };

const path = (id: string) => `/api/circulars/${encodeURIComponent(id)}`;

export const circularApi = {
  list: () => request<CircularListDto>('GET', '/api/circulars'),
  get: (id: string) => request<CircularDto>('GET', path(id)),
  /** Generates the month's draft, or replaces it (never a published edition). */
  generate: (month: string) => request<CircularDto>('POST', '/api/circulars', { month }),
  edit: (id: string, input: EditCircularInput) => request<CircularDto>('PUT', path(id), input),
  publish: (id: string, revision: number) =>
    request<CircularDto>('POST', `${path(id)}/publish`, { revision }),
  /** A link for the browser to download (the api sends it as an attachment). */
  exportUrl: (id: string, format: 'pdf' | 'docx') => `${path(id)}/export?format=${format}`,
};
