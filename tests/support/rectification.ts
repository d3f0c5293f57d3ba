/**
 * What the rectification notice tests share: a notice to 修齐镇 (xqz) with given terms, an evidence
 * upload, and the rows the workflow and its activities write.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { expect, inject } from 'vitest';
import { aProject } from './builders.js';
import { today } from './ladders.js';
import { Session, type TestStack } from './stack.js';

/** A one-pixel PNG: the photo of what was done. */
export const PHOTO = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
);

/**
 * Starts this database's serial numbers at a random point of the year, as a county that has
 * issued that many notices already. Workflow ids are `rectification-<year>-<number>`, and every
 * test file shares one Temporal server: two databases counting from 1 would name the same
 * workflows. Returns the last number taken (the next notice gets it + 1).
 */
export async function spreadSerials(stack: TestStack): Promise<{ year: number; offset: number }> {
  const year = Number(today().slice(0, 4));
  const offset = 1000 * (1 + Math.floor(Math.random() * 1_000_000));
  await stack.db.query(
    `INSERT INTO rectification_serial (year, last_number) VALUES ($1, $2) ON CONFLICT (year) DO NOTHING`,
    [year, offset],
  );
  return { year, offset };
}

/** A project of 县水务局 built by 修齐镇: what the notices are about. Returns its code. */
export async function aProjectOfXqz(stack: TestStack): Promise<string> {
  const dept = await Session.login(stack.baseUrl, 'swj.op');
  const res = await dept.post('/api/projects', aProject());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.code as string;
}

export type NoticeBuilder = (
  days: number[],
  over?: Record<string, unknown>,
) => Record<string, unknown> & {
  problems: Record<string, unknown>[];
};

/**
 * Notices to 修齐镇 with a problem per term in `days`, each about `project` (a code) when one is
 * given. The project is the caller's: a database holds the projects of one test file only.
 */
export function noticesAbout(project?: string): NoticeBuilder {
  return (days, over = {}) => ({
    unitCode: 'xqz',
    title: '关于白台村饮水工程资金管理问题的整改通知',
    dayCount: 'calendar',
    problems: days.map((d, i) => ({
      ...(project ? { project } : {}),
      description: `问题${i + 1}：项目资金未按进度拨付，台账记录不完整`,
      basis: '《城口县财政衔接推进乡村振兴补助资金管理办法》第十二条',
      deadlineDays: d,
    })),
    ...over,
  });
}

export async function issue(office: Session, body: unknown) {
  const res = await office.post('/api/rectifications', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as {
    id: string;
    serial: string;
    status: string;
    problems: { id: number; seq: number; dueDate: string; firstDueDate: string; status: string }[];
  };
}

export async function uploadEvidence(s: Session): Promise<string> {
  const res = await s.upload('/api/bulletin-attachments?fileName=photo.png', PHOTO, 'image/png', 'photo.png');
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

export async function ladderRows(stack: TestStack, noticeId: string) {
  const { rows } = await stack.db.query(
    `SELECT p.seq, s.arm, s.step, s.days_late, s.interview_flag_id
       FROM rectification_ladder_step s JOIN rectification_problem p ON p.id = s.problem_id
      WHERE s.notice_id = $1 ORDER BY s.raised_at, p.seq, array_position(ARRAY['reminder','overdue','escalated','interview'], s.step)`,
    [noticeId],
  );
  return rows as {
    seq: number;
    arm: number;
    step: string;
    days_late: number;
    interview_flag_id: string | null;
  }[];
}

export function workflowIdOf(serial: string): string {
  const m = /〔(\d{4})〕(\d+)号$/.exec(serial)!;
  return `rectification-${m[1]}-${m[2]}`;
}

export async function workflowStatus(stack: TestStack, serial: string): Promise<string> {
  return (await stack.client.workflow.getHandle(workflowIdOf(serial)).describe()).status.name;
}

/**
 * The history of a notice's workflow (or its issuer's) replays against today's code; with
 * RECORD_HISTORIES=1 it is kept as a fixture the replay test replays from then on.
 */
export async function replayAndRecord(stack: TestStack, workflowId: string, fixture: string): Promise<void> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: inject('workflowBundlePath') } },
    history,
    workflowId,
  );
  if (process.env.RECORD_HISTORIES === '1')
    fs.writeFileSync(path.join(FIXTURES, `${fixture}.json`), historyToJSON(history));
}
const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
