/**
 * Rectification notices (整改通知书, docs/supervision.md) in the typed client: request and answer
 * types come from the shared contract domain/rectification-schemas.ts (type-only imports).
 */
import type { z } from 'zod';
import type {
  answerProblemSchema,
  IssueRectificationInput,
  rectificationDetailSchema,
  rectificationListQuerySchema,
  rectificationListSchema,
  verifyProblemSchema,
} from '@domain/rectification-schemas';
import type { RedFlagDetail } from '@domain/red-flags';
import { qs, request } from './client';

export type RectificationDetailDto = z.infer<typeof rectificationDetailSchema>;
export type RectificationListDto = z.infer<typeof rectificationListSchema>;
export type RectificationSummaryDto = RectificationListDto['items'][number];
export type RectificationProblemDto = RectificationDetailDto['problems'][number];
export type ProblemEventDto = RectificationProblemDto['events'][number];
export type EvidenceDto = ProblemEventDto['evidence'][number];
export type RectificationListQuery = Partial<z.input<typeof rectificationListQuerySchema>>;
export type AnswerProblemInput = z.input<typeof answerProblemSchema>;
export type VerifyProblemInput = z.input<typeof verifyProblemSchema>;
export type { IssueRectificationInput };

/** A red flag with the notice it proposes (`suggestion`): the issue form starts from it. */
export type RedFlagDto = RedFlagDetail;

const path = (id: string) => `/api/rectifications/${encodeURIComponent(id)}`;
const problemPath = (id: string, problemId: number) => `${path(id)}/problems/${problemId}`;

export const rectApi = {
  list: (q: RectificationListQuery) => request<RectificationListDto>('GET', `/api/rectifications${qs(q)}`),
  get: (id: string) => request<RectificationDetailDto>('GET', path(id)),
  issue: (input: IssueRectificationInput) =>
    request<RectificationDetailDto>('POST', '/api/rectifications', input),
  /** Evidence is uploaded first (api.uploadAttachment); the answer names the ids it got back. */
  answer: (id: string, problemId: number, input: AnswerProblemInput) =>
    request<RectificationDetailDto>('POST', `${problemPath(id, problemId)}/answer`, input),
  verdict: (id: string, problemId: number, input: VerifyProblemInput) =>
    request<RectificationDetailDto>('POST', `${problemPath(id, problemId)}/verdict`, input),
  withdraw: (id: string, reason: string) =>
    request<RectificationDetailDto>('POST', `${path(id)}/withdraw`, { reason }),
  /** Link targets, not fetches: the browser opens them with the session cookie. */
  pdfUrl: (id: string) => `${path(id)}/pdf`,
  evidenceUrl: (id: string, evidenceId: string) => `${path(id)}/evidence/${encodeURIComponent(evidenceId)}`,
  redFlag: (id: string) => request<RedFlagDto>('GET', `/api/red-flags/${encodeURIComponent(id)}`),
};
