/**
 * The body NoticeFlow sends for a public notice (公示) typed in the field, and the problems found on
 * the way; what the shared schema then says of it is the form's (useSchemaForm).
 */
import type { useSchemaForm } from '../../composables/use-schema-form';

/** What the notice form holds, as typed. */
export interface NoticeValues {
  place: string;
  postedFrom: string;
  postedTo: string;
  content: string;
  announcedAmount: string;
  complaintPhone: string;
  objectionCount: number;
  objections: string;
}

type PutYuan = ReturnType<typeof useSchemaForm>['putYuan'];

export function noticeBody(notice: NoticeValues, villageCode: string, putYuan: PutYuan) {
  const problems: Record<string, string> = {};
  const body: Record<string, unknown> = {
    villageCode,
    place: notice.place.trim(),
    postedFrom: notice.postedFrom,
    postedTo: notice.postedTo,
    content: notice.content.trim(),
    objectionCount: notice.objectionCount,
    ...(notice.complaintPhone.trim() ? { complaintPhone: notice.complaintPhone.trim() } : {}),
    ...(notice.objections.trim() ? { objections: notice.objections.trim() } : {}),
  };
  // Only a blank field means "no amount": 0 goes in, for the schema to say it must be more than 0.
  putYuan(body, problems, 'announcedAmountFen', notice.announcedAmount);
  return { body, problems };
}
