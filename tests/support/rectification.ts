/**
 * What the rectification notice tests share: a notice to 修齐镇 (xqz) with given terms, an evidence
 * upload, and the rows the workflow and its activities write.
 */
import { expect } from 'vitest';
import { aProject } from './builders.js';
import { Session, type TestStack } from './stack.js';

/** A one-pixel PNG: the photo of what was done. */
export const PHOTO = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
);

/** A project of 县水务局 built by 修齐镇: what the notices are about. */
export async function aProjectOfXqz(stack: TestStack): Promise<string> {
  const dept = await Session.login(stack.baseUrl, 'swj.op');
  const res = await dept.post('/api/projects', aProject());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  projectCode = res.body.code as string;
  return projectCode;
}
let projectCode: string | undefined;

export function aNotice(days: number[], over: Record<string, unknown> = {}) {
  return {
    unitCode: 'xqz',
    title: '关于白台村饮水工程资金管理问题的整改通知',
    dayCount: 'calendar',
    problems: days.map((d, i) => ({
      ...(projectCode ? { project: projectCode } : {}),
      description: `问题${i + 1}：项目资金未按进度拨付，台账记录不完整`,
      basis: '《城口县财政衔接推进乡村振兴补助资金管理办法》第十二条',
      deadlineDays: d,
    })),
    ...over,
  };
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
  return rows as { seq: number; arm: number; step: string; days_late: number; interview_flag_id: string | null }[];
}

export async function workflowStatus(stack: TestStack, serial: string): Promise<string> {
  const m = /〔(\d{4})〕(\d+)号$/.exec(serial)!;
  const d = await stack.client.workflow.getHandle(`rectification-${m[1]}-${m[2]}`).describe();
  return d.status.name;
}
