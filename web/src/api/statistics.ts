/**
 * The statistics (统计分析, docs/statistics.md) in the typed client: request and answer types come
 * from the shared contract domain/statistics-schemas.ts (type-only imports).
 */
import type { z } from 'zod';
import type { StatisticsDto, statisticsQuerySchema } from '@domain/statistics-schemas';
import { qs, request } from './client';

export type { StatisticsDto };
export type StatisticsQuery = Partial<z.input<typeof statisticsQuerySchema>>;

export const statisticsApi = {
  crossTab: (q: StatisticsQuery) => request<StatisticsDto>('GET', `/api/statistics${qs(q)}`),
  /** A link target, not a fetch: the browser downloads it with the session cookie. */
  exportUrl: (q: StatisticsQuery) => `/api/statistics/export${qs(q)}`,
};
