/**
 * Fills the three ledgers of one project the way a county's units would over a season, through the
 * same ledger service the api uses (so every check and constraint applies). Used by the demo seed,
 * the detail-table benchmark and tests. `upTo` limits the entries to what is plausible for the
 * project's stage.
 */
import { stageRank } from '../../domain/ledgers.js';
import type { Stage } from '../../domain/lifecycle.js';
import { usccCheckChar } from '../../domain/uscc.js';
import type { LedgerService } from '../../api/src/modules/ledgers/service.js';
import type { AnyLedgerWriters } from '../../api/src/modules/ledgers/writes.js';
import type { Caller } from '../../api/src/modules/projects/service.js';

export interface LedgerCallers {
  department: Caller;
  owner: Caller;
  village: Caller;
}

interface ProjectRef {
  id: string;
  code: string;
  budgetFen: number;
  stage: Stage;
  fundSources: { kind: string; amountFen: number }[];
  villages: { code: string; name: string }[];
  scope: { villageIds: readonly string[] };
}

const CONTRACTORS = [
  '重庆城口建设工程有限公司',
  '城口县鑫源水利建筑有限公司',
  '重庆巴山路桥工程有限公司',
  '城口县农兴种养殖专业合作社',
];

/** A valid unified social credit code derived from a number (check character computed). */
export function demoUscc(n: number): string {
  const body = `915002295${String(n % 100_000_000).padStart(8, '0')}`;
  return body + usccCheckChar(body)!;
}

/** Splits an amount in 分 into `parts` exact integer parts (the last takes the remainder). */
function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => (i === parts - 1 ? total - base * (parts - 1) : base));
}

export async function fillTypicalLedgers(
  service: LedgerService,
  writes: AnyLedgerWriters,
  who: LedgerCallers,
  p: ProjectRef,
  seed = 1,
): Promise<void> {
  const rank = stageRank(p.stage);
  const at = (s: Stage) => rank >= stageRank(s);
  // The village entries are written by the village caller, about its own village.
  const village = p.villages[Math.max(0, p.scope.villageIds.indexOf(who.village.orgUnitId))]!;

  await writes.department(who.department, p.id, {
    approvedOn: '2026-02-20',
    approvalIssuer: '城口县扶贫开发领导小组',
    constructionContent: `${p.villages.map((v) => v.name).join('、')}：按批复设计实施，建设规模及标准详见设计文件。`,
  });
  for (const [i, s] of p.fundSources.entries()) {
    const documentNo = `城财农〔2026〕${p.code}-${i + 1}号`;
    await service.createFundDocument(who.department, {
      documentNo,
      title: '关于下达2026年度财政衔接推进乡村振兴补助资金的通知',
      issuer: s.kind === 'centralSpecial' ? '重庆市财政局' : '城口县财政局',
      issuedOn: '2026-02-15',
      amountFen: s.amountFen,
    });
    await service.linkFundSource(who.department, p.id, i, documentNo);
  }
  if (at('designApproved')) {
    await writes.notice(who.village, p.id, {
      villageCode: village.code,
      place: `${village.name}村务公开栏`,
      postedFrom: '2026-03-01',
      postedTo: '2026-03-10',
      content: '项目名称、建设内容、资金规模及来源、实施单位、监督举报电话公示',
      announcedAmountFen: p.budgetFen,
      complaintPhone: '023-59221234',
      objectionCount: 0,
    });
    await writes.opinion(who.village, p.id, {
      gatheredOn: '2026-02-25',
      method: '村民代表大会',
      participants: 36 + (seed % 20),
      summary: '群众一致同意实施，建议优先解决组与组之间的连通。',
    });
    const households = 40 + (seed % 120);
    await writes.beneficiaries(who.village, p.id, {
      households,
      poorHouseholds: Math.floor(households / 4),
      people: households * 3 + (seed % 7),
    });
  }
  const contracted = p.budgetFen > 50_000_000;
  if (at('methodFixed')) {
    await writes.decision(who.owner, p.id, {
      meeting: '镇党委会议',
      heldOn: '2026-03-12',
      attendees: ['镇党委书记', '镇长', '分管副镇长', '村支部书记'],
      resolution: contracted ? '同意采取公开招标方式确定施工单位。' : '同意由村民自建，镇政府负责技术指导。',
    });
    await writes.implementation(who.owner, p.id, {
      method: contracted ? 'openTender' : 'selfBuild',
      recordNo: `招标备案〔2026〕${p.code}`,
      ...(contracted
        ? {
            contractorName: CONTRACTORS[seed % CONTRACTORS.length],
            contractorUscc: demoUscc(seed * 7919),
            contractNo: `HT-${p.code}`,
            contractAmountFen: p.budgetFen,
            contractSignedOn: '2026-03-25',
          }
        : {}),
    });
  }
  if (at('underway')) {
    const months = at('completed') ? ['2026-04', '2026-05', '2026-06', '2026-07'] : ['2026-04', '2026-05'];
    for (const [i, month] of months.entries()) {
      const percent = at('completed') && i === months.length - 1 ? 100 : 25 * (i + 1);
      await writes.progress(who.owner, p.id, {
        month,
        percent,
        narrative:
          percent === 100
            ? '工程全部完工，正在整理竣工资料。'
            : `完成主体工程约${percent}%，施工质量和安全正常。`,
      });
    }
    await writes.visit(who.village, p.id, {
      villageCode: village.code,
      visitedOn: '2026-04-18',
      supervisor: '村义务监督员 陈大明',
      findings: '现场材料与设计一致，施工人员按要求佩戴安全帽。',
    });
    // Pay out part of each source while building, the rest once it is accepted.
    let n = 0;
    const share = at('accepted') ? 1 : 2; // all, or half
    for (const [i, s] of p.fundSources.entries()) {
      const payable = share === 1 ? s.amountFen : Math.floor(s.amountFen / 2);
      for (const amountFen of split(payable, 2)) {
        n++;
        await writes.disbursement(who.department, p.id, {
          sourcePosition: i,
          paidOn: `2026-${String(4 + (n % 6)).padStart(2, '0')}-${String(10 + (n % 18)).padStart(2, '0')}`,
          amountFen,
          payee: contracted ? CONTRACTORS[seed % CONTRACTORS.length]! : `${village.name}村民委员会`,
          voucherNo: `记〔2026〕${p.code}-${String(n).padStart(3, '0')}`,
          approver: '局长 刘建国',
        });
      }
    }
  }
  if (at('completed')) {
    await writes.visit(who.village, p.id, {
      villageCode: village.code,
      visitedOn: '2026-07-15',
      supervisor: '村义务监督员 陈大明',
      findings: '工程已完工，外观质量良好。',
    });
  }
  if (at('reimbursed')) {
    const ledgers = await service.ledgers(who.department, p.id);
    await writes.settlement(who.department, p.id, {
      settledOn: '2026-09-01',
      settledAmountFen: ledgers.department.disbursedFen,
      voucherNo: `结〔2026〕${p.code}`,
    });
    await writes.afterCare(who.village, p.id, {
      owner: `${village.name}村民委员会`,
      duty: '日常巡查、小修保养、汛期排查，发现问题及时上报镇政府。',
    });
  }
  if (at('afterCare')) {
    await writes.afterCareCheck(who.village, p.id, {
      checkedOn: '2026-10-10',
      checker: '村支部书记',
      result: '运行正常',
    });
  }
}
