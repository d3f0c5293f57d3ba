import { describe, expect, it } from 'vitest';
import { aRankingReport } from '../../tests/support/ranking-report-fixture.js';
import { draftCircular, percent, type CircularFacts } from './draft.js';
import { CIRCULAR_SECTION_KEYS } from './schemas.js';

/** November 2026: four ranked departments and one too small, three townships. */
const report = aRankingReport({
  department: [
    {
      code: 'swj',
      name: '县水务局',
      total: '95.20',
      rank: 1,
      previousRank: 3,
      inputs: {
        projects: 10,
        budgetFen: 500_000_000,
        disbursedFen: 300_000_000,
        dueStart: 8,
        started: 7,
        dueCompletion: 4,
        completed: 3,
        dueReimbursement: 2,
        reimbursed: 1,
        overdueProjects: 2,
        overdueDays: 30,
      },
    },
    {
      code: 'jtj',
      name: '县交通局',
      total: '90.00',
      rank: 2,
      previousRank: 2,
      inputs: { projects: 5, budgetFen: 250_000_000, disbursedFen: 50_000_000, dueStart: 4, started: 4 },
    },
    { code: 'nyj', name: '县农业农村委', total: '88.50', rank: 3, previousRank: null },
    { code: 'lyj', name: '县林业局', total: '70.25', rank: 4, previousRank: 1 },
    { code: 'wlj', name: '县文旅委', total: '0.00', rank: null },
  ],
  township: [
    { code: 'xqz', name: '修齐镇', total: '91.00', rank: 1, previousRank: 1 },
    { code: 'mbz', name: '庙坝镇', total: '85.00', rank: 2, previousRank: 3 },
    { code: 'gzz', name: '高观镇', total: '60.00', rank: 3, previousRank: 2 },
  ],
});

const facts: CircularFacts = {
  report,
  overdue: [
    {
      projectCode: 'P1',
      unitCode: 'swj',
      unitName: '县水务局',
      kind: 'start',
      period: '',
      step: 'overdue',
      daysLate: 10,
    },
    {
      projectCode: 'P1',
      unitCode: 'swj',
      unitName: '县水务局',
      kind: 'start',
      period: '',
      step: 'escalated',
      daysLate: 12,
    },
    {
      projectCode: 'P1',
      unitCode: 'swj',
      unitName: '县水务局',
      kind: 'progress',
      period: '2026-09',
      step: 'escalated',
      daysLate: 40,
    },
    {
      projectCode: 'P1',
      unitCode: 'swj',
      unitName: '县水务局',
      kind: 'progress',
      period: '2026-10',
      step: 'overdue',
      daysLate: 10,
    },
    {
      projectCode: 'P2',
      unitCode: 'swj',
      unitName: '县水务局',
      kind: 'completion',
      period: '',
      step: 'interview',
      daysLate: 45,
    },
    {
      projectCode: 'P3',
      unitCode: 'mbz',
      unitName: '庙坝镇',
      kind: 'start',
      period: '',
      step: 'overdue',
      daysLate: 3,
    },
  ],
  notices: [
    {
      serial: '城口监督整改〔2026〕7号',
      unitName: '县水务局',
      issuedOn: '2026-11-05',
      dueDate: '2026-11-25',
      status: 'closed',
      closedOnTime: true,
      issuedInMonth: true,
      closedInMonth: true,
    },
    {
      serial: '城口监督整改〔2026〕8号',
      unitName: '庙坝镇',
      issuedOn: '2026-11-20',
      dueDate: '2026-12-10',
      status: 'open',
      closedOnTime: null,
      issuedInMonth: true,
      closedInMonth: false,
    },
    {
      serial: '城口监督整改〔2026〕3号',
      unitName: '县交通局',
      issuedOn: '2026-10-10',
      dueDate: '2026-10-30',
      status: 'closed',
      closedOnTime: false,
      issuedInMonth: false,
      closedInMonth: true,
    },
  ],
  talks: [
    { heldOn: '2026-11-18', kind: 'individual', unitNames: ['县林业局'], reason: '项目逾期未开工' },
    { heldOn: '2026-11-28', kind: 'collective', unitNames: ['县水务局', '庙坝镇'], reason: '整改不力' },
  ],
};

const section = (d: ReturnType<typeof draftCircular>, key: string) => d.sections.find((s) => s.key === key)!;

describe('the monthly circular draft', () => {
  const sut = draftCircular(facts);

  it('has the title and the five parts of a 月通报, in order', () => {
    expect(sut.title).toBe('关于2026年11月衔接资金项目推进情况的通报');
    expect(sut.sections.map((s) => s.key)).toEqual([...CIRCULAR_SECTION_KEYS]);
    expect(sut.sections.map((s) => s.heading)).toEqual([
      '一、总体情况',
      '二、排名情况',
      '三、逾期项目',
      '四、整改和约谈情况',
      '五、下步工作要求',
    ]);
  });

  it('sums the county figures from the department rows, with spending against the time-elapsed target', () => {
    // 15 projects; 750 万元 budget, 350 万元 paid: 46.7% against 11/12 = 91.7%, 45 points below.
    const body = section(sut, 'overview').body;
    expect(body).toContain('截至2026年11月30日，全县纳入考核的2026年度衔接资金项目共15个');
    expect(body).toContain(
      '批复资金750.00万元，已拨付350.00万元，支出进度46.7%，序时进度91.7%，低于序时进度45个百分点。',
    );
    expect(body).toContain('应开工项目12个，已开工11个，开工率91.7%');
    expect(body).toContain('应完工项目4个，已完工3个，完工率75.0%');
    expect(body).toContain('应报账项目2个，已报账1个，报账率50.0%');
    expect(body).toContain('月末逾期项目2个，累计逾期30天。');
    expect(body).toContain('本月参与考核排名的主管部门4个、乡镇3个');
    expect(body).toContain('版本2026.4');
  });

  it('names the first three and the rest of each group with scores and movement', () => {
    expect(section(sut, 'ranking').body).toBe(
      [
        '（一）主管部门。共4个单位参与排名。排名前三位的是：第1名县水务局（95.20分，较上月上升2位）、' +
          '第2名县交通局（90.00分，与上月持平）、第3名县农业农村委（88.50分，上月未参与排名）；' +
          '其余单位依次为：第4名县林业局（70.25分，较上月下降3位）。另有1个单位项目数不足，未参与排名。',
        '（二）乡镇。参与排名的3个单位依次为：第1名修齐镇（91.00分，与上月持平）、' +
          '第2名庙坝镇（85.00分，较上月上升1位）、第3名高观镇（60.00分，较上月下降1位）。',
      ].join('\n'),
    );
  });

  it('counts overdue projects per unit, each deadline (each month of progress) once at its latest step', () => {
    expect(section(sut, 'overdue').body).toBe(
      [
        '截至通报生成时，全县共有逾期项目3个，涉及2个责任单位，其中1个项目已进入约谈程序。具体如下：',
        '1. 县水务局：逾期项目2个（开工逾期1个、竣工逾期1个、月度进度填报逾期2个），最长逾期45天。',
        '2. 庙坝镇：逾期项目1个（开工逾期1个），最长逾期3天。',
      ].join('\n'),
    );
  });

  it('counts a deadline at its furthest step whatever the order of its rows, when they state one lateness', () => {
    const row = {
      projectCode: 'P9',
      unitCode: 'mbz',
      unitName: '庙坝镇',
      kind: 'start' as const,
      period: '',
      daysLate: 250,
    };
    for (const steps of [
      ['interview', 'overdue', 'escalated'],
      ['overdue', 'escalated', 'interview'],
    ] as const) {
      const body = section(
        draftCircular({ ...facts, overdue: steps.map((step) => ({ ...row, step })) }),
        'overdue',
      ).body;
      expect(body, steps.join()).toBe(
        [
          '截至通报生成时，全县共有逾期项目1个，涉及1个责任单位，其中1个项目已进入约谈程序。具体如下：',
          '1. 庙坝镇：逾期项目1个（开工逾期1个），最长逾期250天。',
        ].join('\n'),
      );
    }
  });

  it('lists the notices issued and closed in the month and the talks held', () => {
    const body = section(sut, 'rectification').body;
    expect(body).toContain(
      '（一）整改通知。本月共下发整改通知书2份：城口监督整改〔2026〕7号（县水务局，限2026年11月25日前整改）、' +
        '城口监督整改〔2026〕8号（庙坝镇，限2026年12月10日前整改）。',
    );
    expect(body).toContain(
      '本月办结整改通知书2份，其中按期办结1份、逾期办结1份；上述通知书中尚有1份未办结。',
    );
    expect(body).toContain(
      '（二）约谈。本月共开展约谈2次（个别约谈1次、集体约谈1次），涉及县林业局、县水务局、庙坝镇共3个单位。',
    );
    expect(body).toContain('2026年11月18日，项目逾期未开工；2026年11月28日，整改不力。');
  });

  it("sets a talk's reason between its own punctuation, whatever the reason ends with", () => {
    const talks = [
      {
        heldOn: '2026-11-18',
        kind: 'individual' as const,
        unitNames: ['县林业局'],
        reason: '项目逾期未开工。',
      },
      { heldOn: '2026-11-28', kind: 'collective' as const, unitNames: ['县水务局'], reason: '整改不力； ' },
    ];
    const body = section(draftCircular({ ...facts, talks }), 'rectification').body;
    expect(body).toContain('2026年11月18日，项目逾期未开工；2026年11月28日，整改不力。');
  });

  it('asks the units at the bottom for a written report by the 15th of the next month', () => {
    const body = section(sut, 'requirements').body;
    expect(body).toContain('（二）抓好排名靠后单位整改。县林业局要认真查找差距');
    expect(body).toContain('于2026年12月15日前');
    expect(body).toContain('（三）加快逾期项目推进。');
  });

  it('says plainly when a month had nothing to report, and leaves movement out without a previous month', () => {
    const quiet = draftCircular({
      report: { ...report, previousMonth: null },
      overdue: [],
      notices: [],
      talks: [],
    });
    expect(section(quiet, 'ranking').body).toContain('第1名县水务局（95.20分）');
    expect(section(quiet, 'overdue').body).toBe('截至通报生成时，全县无逾期项目。');
    expect(section(quiet, 'rectification').body).toBe(
      '（一）整改通知。本月未下发整改通知书，也无办结的整改通知书。\n（二）约谈。本月未开展约谈。',
    );
    expect(section(quiet, 'requirements').body).toContain('（三）严守项目时限。');
  });

  it('rounds percentages half up on integers and shows a dash when nothing was due', () => {
    expect(percent(1n, 8n)).toBe('12.5%');
    expect(percent(2n, 3n)).toBe('66.7%');
    expect(percent(1n, 3n)).toBe('33.3%');
    expect(percent(0n, 0n)).toBe('—');
    expect(percent(10n ** 14n, 10n ** 14n)).toBe('100.0%');
  });
});
