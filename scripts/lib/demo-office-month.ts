/**
 * The supervision office's month just over in the demo county (DEMO_OFFICE_MONTH): a 约谈 record, a
 * unit listed by hand and the month's negative list published, through the api's services. Each
 * step looks first for what an earlier run did, so a second run makes no request and writes no
 * audit row.
 *
 * Not the month's ranking nor its 月通报: a ranking counts what was recorded before the month's
 * end, and the demo's projects are all recorded the day it is seeded, so a stored ranking of the
 * month before would report a county without projects. The ranking page's live preview shows them.
 */
import type { Caller } from '#api/http.js';
import type { AttachmentService } from '#api/modules/attachments/service.js';
import { createInterviewRepository } from '#api/modules/interviews/repository.js';
import { createInterviewService } from '#api/modules/interviews/service.js';
import { createNegativeListRepository } from '#api/modules/negative-list/repository.js';
import { createNegativeListService } from '#api/modules/negative-list/service.js';
import { addDays, cstMonth, previousMonth } from '#domain/deadlines.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { DEMO_UNIT_HEADS } from '#db/seed/demo-county.js';
import { DEMO_OFFICE_MONTH } from '#db/seed/demo-supervision.js';

export interface OfficeMonthDeps {
  orm: Orm;
  audit: AuditLog;
  attachments: AttachmentService;
  office: Caller;
  codeOf: (code: string) => string;
  /** Makes one request, retrying what may succeed later, and counts it. */
  attempt: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
}

export async function seedOfficeMonth(deps: OfficeMonthDeps): Promise<void> {
  const { orm, audit, office, attempt } = deps;
  const common = { orm, audit, attachments: deps.attachments };
  const talks = createInterviewService({ ...common, repo: createInterviewRepository(orm) });
  const negative = createNegativeListService({ ...common, repo: createNegativeListRepository(orm) });
  const month = previousMonth(cstMonth(Date.now()));
  const { talk, listing } = DEMO_OFFICE_MONTH;
  const day = (d: number) => `${month}-${String(d).padStart(2, '0')}`;

  const heldOn = day(talk.day);
  const held = await talks.list(office, {
    unitCode: talk.unitCode,
    from: heldOn,
    to: heldOn,
    page: 1,
    pageSize: 1,
  });
  if (held.total === 0)
    await attempt('office month: talk', () =>
      talks.create(office, {
        kind: 'individual',
        heldAt: `${heldOn}T${talk.time}:00+08:00`,
        location: talk.location,
        interviewers: talk.interviewers,
        subjects: [{ unitCode: talk.unitCode, name: DEMO_UNIT_HEADS[talk.unitCode]!, title: talk.title }],
        reason: talk.reason,
        agreed: talk.agreed,
        followUpDue: addDays(heldOn, talk.followUpDays),
        flagIds: [],
        project: deps.codeOf(talk.project),
        addToNegativeList: false,
        attachmentIds: [],
      }),
    );

  const listedOn = day(listing.day);
  const listed = await negative.list(office, {
    status: 'all',
    unitCode: listing.unitCode,
    source: 'manual',
    page: 1,
    pageSize: 100,
  });
  if (!listed.items.some((e) => e.listedOn === listedOn && e.reason === listing.reason))
    await attempt('office month: listing', () =>
      negative.add(office, {
        unitCode: listing.unitCode,
        project: deps.codeOf(listing.project),
        leaderName: DEMO_UNIT_HEADS[listing.unitCode]!,
        reason: listing.reason,
        listedOn,
      }),
    );

  const published = (await negative.publications(office)).items.some((p) => p.month === month);
  if (!published) await attempt('office month: publish negative list', () => negative.publish(office, month));
}
