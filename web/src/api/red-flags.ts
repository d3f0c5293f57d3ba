/** The red flag routes (docs/supervision.md#risk-red-flags), typed from the shared zod contract. */
import type { z } from 'zod';
import type {
  RedFlagListQuery,
  redFlagDetailSchema,
  redFlagListSchema,
  redFlagScanSchema,
} from '@domain/red-flags';
import { request } from './client';

export type RedFlagListDto = z.infer<typeof redFlagListSchema>;
export type RedFlagSummaryDto = RedFlagListDto['items'][number];
export type RedFlagDetailDto = z.infer<typeof redFlagDetailSchema>;
export type RedFlagScanDto = z.infer<typeof redFlagScanSchema>;

const path = (id: number) => `/api/red-flags/${encodeURIComponent(String(id))}`;

export const redFlagApi = {
  list: (q: Partial<RedFlagListQuery>) => {
    const s = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') s.set(k, String(v));
    return request<RedFlagListDto>('GET', `/api/red-flags${s.size ? `?${s}` : ''}`);
  },
  get: (id: number) => request<RedFlagDetailDto>('GET', path(id)),
  dismiss: (id: number, reason: string) =>
    request<RedFlagDetailDto>('POST', `${path(id)}/dismiss`, { reason }),
  scan: () => request<RedFlagScanDto>('POST', '/api/red-flags/scan'),
};
