/**
 * The supervision office's work in the demo county: rectification notices at each point of their
 * course (one partly answered, one waiting for the office's verdict, one closed) and villagers'
 * complaints from new to closed, about the handcrafted projects (CK2026-001…010), so a
 * DEMO_SEED=small county has them too. Each step names who takes it, as an account of the demo.
 */
import type { COMPLAINT_CATEGORIES } from '#domain/complaint-schemas.js';

export interface DemoRectification {
  /** Names the notice's requests (their idempotency keys): a second run finds what the first did. */
  key: string;
  unitCode: string;
  title: string;
  dayCount: 'calendar' | 'working';
  problems: { project: string; description: string; basis: string; deadlineDays: number }[];
  /** In order; `problem` is the problem's index. */
  steps: (
    { by: string; problem: number; answer: string } | { by: string; problem: number; accept: string }
  )[];
}

const OFFICE = 'supervisor';

export const DEMO_RECTIFICATIONS: DemoRectification[] = [
  {
    key: 'rect-xqz',
    unitCode: 'xqz',
    title: '关于白台村山坪塘整治等项目监督检查发现问题的整改通知',
    dayCount: 'working',
    problems: [
      {
        project: 'CK2026-004',
        description: '项目公示牌未标明资金来源和投资额，群众无从了解资金使用情况。',
        basis:
          '《城口县扶贫项目资金公告公示制度》第五条：项目实施前在村务公开栏和项目现场公示资金来源、规模和建设内容',
        deadlineDays: 10,
      },
      {
        project: 'CK2026-005',
        description: '施工期间村级监督员现场监督记录缺失两个月。',
        basis: '《城口县扶贫项目资金监督管理办法》第十二条：村级监督员每月至少现场监督一次并记录',
        deadlineDays: 15,
      },
    ],
    steps: [
      {
        by: 'xqz.op',
        problem: 0,
        answer:
          '已在白台村村务公开栏和项目现场补充公示资金来源、投资额和建设内容，公示期 10 天，照片已存档。',
      },
      { by: OFFICE, problem: 0, accept: '经现场核查，公示内容完整，予以认可。' },
    ],
  },
  {
    key: 'rect-swj',
    unitCode: 'swj',
    title: '关于罗江村人饮安全巩固提升工程前期工作滞后的整改通知',
    dayCount: 'calendar',
    problems: [
      {
        project: 'CK2026-001',
        description: '项目立项后设计审批资料未按期报送，计划开工日期已过仍未开工。',
        basis: '《衔接推进乡村振兴补助资金管理办法》关于加快项目实施进度、及时发挥资金效益的要求',
        deadlineDays: 20,
      },
    ],
    steps: [
      {
        by: 'swj.op',
        problem: 0,
        answer: '已督促设计单位完成施工图设计，设计审批资料已报县发改委，预计本月内完成审批后开工。',
      },
    ],
  },
  {
    key: 'rect-mbz',
    unitCode: 'mbz',
    title: '关于罗江村扶贫车间建设项目报账资料不全的整改通知',
    dayCount: 'working',
    problems: [
      {
        project: 'CK2026-007',
        description: '验收后申请报账的资料缺少工程结算审核报告。',
        basis: '《城口县财政衔接资金报账管理办法》第九条：报账须附工程结算审核报告',
        deadlineDays: 10,
      },
    ],
    steps: [
      { by: 'mbz.op', problem: 0, answer: '已补充县审计中心出具的工程结算审核报告，并重新提交报账资料。' },
      { by: OFFICE, problem: 0, accept: '资料已补齐，予以认可。' },
    ],
  },
];

export interface DemoComplaint {
  /** Names the submission (its request key) and its steps' idempotency keys. */
  key: string;
  subject: { project: string } | { village: string };
  category: (typeof COMPLAINT_CATEGORIES)[number];
  description: string;
  steps: (
    | { by: string; step: 'acknowledge' | 'close'; note?: string }
    | { by: string; step: 'assign'; unitCode: string; note?: string }
    | { by: string; step: 'handle'; action: string }
    | { by: string; step: 'answer'; answer: string }
  )[];
}

export const DEMO_COMPLAINTS: DemoComplaint[] = [
  {
    key: 'complaint-btc-pond',
    subject: { project: 'CK2026-004' },
    category: 'quality',
    description: '山坪塘新修的堰坎有几处裂缝，下雨后往外渗水，希望有关部门来看看。',
    steps: [
      { by: OFFICE, step: 'acknowledge' },
      { by: OFFICE, step: 'assign', unitCode: 'xqz', note: '请修齐镇组织核查处理，按时限答复。' },
      {
        by: 'xqz.op',
        step: 'handle',
        action:
          '已组织施工单位和村监督员现场核查：裂缝为伸缩缝处理不到位，已责令施工单位返工，返工后重新验收。',
      },
      {
        by: OFFICE,
        step: 'answer',
        answer: '经核查，您反映的问题属实，已责令施工单位返工整改并重新验收。感谢您的监督。',
      },
      { by: OFFICE, step: 'close' },
    ],
  },
  {
    key: 'complaint-lpc-funds',
    subject: { village: 'mbz-lpc' },
    category: 'funds',
    description: '村里产业路项目的补助资金是怎么发放的？村务公开栏里没有看到公示。',
    steps: [
      { by: OFFICE, step: 'acknowledge' },
      { by: OFFICE, step: 'assign', unitCode: 'mbz', note: '请庙坝镇核实联坪村资金公示情况并答复。' },
    ],
  },
  {
    key: 'complaint-lpc-road',
    subject: { project: 'CK2026-002' },
    category: 'progress',
    description: '联坪村产业路说是今年修，到现在还没有动工，什么时候开始修？',
    steps: [],
  },
];

/**
 * The office's month just over, dated in that month whenever the demo is seeded: a 约谈 held with
 * a department's head about a project that has not started, that department listed by hand a week
 * later, and the month's negative list published, so the pages of each show what a county that has
 * been running for a while would.
 */
export const DEMO_OFFICE_MONTH = {
  talk: {
    day: 18,
    time: '09:30',
    unitCode: 'swj',
    title: '局长',
    project: 'CK2026-001',
    location: '县专项监督办会议室',
    interviewers: '县专项监督办主任 杨光明，县专项监督办副主任 何丽',
    reason: '罗江村人饮安全巩固提升工程计划开工日期已过仍未开工，整改通知书所提问题未按期整改到位。',
    agreed:
      '一、县水务局 10 日内督促设计单位完成施工图设计并报审；二、设计批复后 5 日内组织开工；三、每周向县专项监督办书面报告进展。',
    /** The follow-up is due this many days after the talk. */
    followUpDays: 15,
  },
  listing: {
    day: 25,
    unitCode: 'swj',
    project: 'CK2026-001',
    reason: '约谈后一周内仍未报审施工图设计，罗江村人饮安全巩固提升工程继续滞后。',
  },
} as const;
