/**
 * Fills the three ledgers of one project the way a county's units would over a season, through the
 * same ledger service the api uses (so every check and constraint applies). Used by the demo seed,
 * the detail-table benchmark and tests. `upTo` limits the entries to what is plausible for the
 * project's stage.
 */
import { stageRank, type Stage } from '#domain/lifecycle.js';
import { usccCheckChar } from '#domain/uscc.js';
import type { ArchiveService } from '#api/modules/archives/service.js';
import type { Caller } from '#api/http.js';
import type { LedgerService } from '#api/modules/ledgers/service.js';
import type { AnyLedgerWriters } from '#api/modules/ledgers/write-service.js';

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

export interface FillOptions {
  /** Entries due at stages up to this one were written already (an earlier call): skip them. */
  after?: Stage;
}

/**
 * Writes the entries due at each stage the project has reached. Called once with the final stage,
 * or in phases (the demo seed fills up to 竣工 before the 验收 step — the acceptance gate asks for
 * complete ledgers — and the rest after it, with `after: 'completed'`).
 */
export async function fillTypicalLedgers(
  service: LedgerService,
  writes: AnyLedgerWriters,
  who: LedgerCallers,
  p: ProjectRef,
  seed = 1,
  opts: FillOptions = {},
): Promise<void> {
  const rank = stageRank(p.stage);
  const done = opts.after === undefined ? -1 : stageRank(opts.after);
  /** Entries of stage `s` are due now and were not written by an earlier phase. */
  const due = (s: Stage) => rank >= stageRank(s) && stageRank(s) > done;
  // The village entries are written by the village caller, about its own village.
  const village = p.villages[Math.max(0, p.scope.villageIds.indexOf(who.village.orgUnitId))]!;
  const contracted = p.budgetFen > 50_000_000;
  const payee = contracted ? CONTRACTORS[seed % CONTRACTORS.length]! : `${village.name}村民委员会`;
  /** Pays `amounts[i]` from source i in two exact parts, numbering vouchers from `first`. */
  const pay = async (amounts: number[], first: number) => {
    let n = first;
    for (const [i, total] of amounts.entries()) {
      for (const amountFen of split(total, 2)) {
        n++;
        if (amountFen === 0) continue;
        await writes.disbursement(who.department, p.id, {
          sourcePosition: i,
          paidOn: `2026-${String(4 + (n % 6)).padStart(2, '0')}-${String(10 + (n % 18)).padStart(2, '0')}`,
          amountFen,
          payee,
          voucherNo: `记〔2026〕${p.code}-${String(n).padStart(3, '0')}`,
          approver: '局长 刘建国',
        });
      }
    }
  };
  const progress = async (months: [string, number][]) => {
    for (const [month, percent] of months)
      await writes.progress(who.owner, p.id, {
        month,
        percent,
        narrative:
          percent === 100
            ? '工程全部完工，正在整理竣工资料。'
            : `完成主体工程约${percent}%，施工质量和安全正常。`,
      });
  };

  if (due('approved')) {
    await writes.department(who.department, p.id, {
      approvedOn: '2026-02-20',
      approvalIssuer: '城口县扶贫开发领导小组',
      constructionContent: `${p.villages.map((v) => v.name).join('、')}：按批复设计实施，建设规模及标准详见设计文件。`,
    });
    for (const [i, s] of p.fundSources.entries()) {
      const documentNo = `城财农〔2026〕${p.code}-${i + 1}号`;
      await writes.createFundDocument(who.department, {
        documentNo,
        title: '关于下达2026年度财政衔接推进乡村振兴补助资金的通知',
        issuer: s.kind === 'centralSpecial' ? '重庆市财政局' : '城口县财政局',
        issuedOn: '2026-02-15',
        amountFen: s.amountFen,
      });
      await writes.linkFundSource(who.department, p.id, i, documentNo);
    }
  }
  if (due('designApproved')) {
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
  if (due('methodFixed')) {
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
  // While building, half of each source is paid out; the rest once the work is accepted.
  const half = p.fundSources.map((s) => Math.floor(s.amountFen / 2));
  if (due('underway')) {
    await progress([
      ['2026-04', 25],
      ['2026-05', 50],
    ]);
    await writes.visit(who.village, p.id, {
      villageCode: village.code,
      visitedOn: '2026-04-18',
      supervisor: '村义务监督员 陈大明',
      findings: '现场材料与设计一致，施工人员按要求佩戴安全帽。',
    });
    await pay(half, 0);
  }
  if (due('completed')) {
    await progress([
      ['2026-06', 75],
      ['2026-07', 100],
    ]);
    await writes.visit(who.village, p.id, {
      villageCode: village.code,
      visitedOn: '2026-07-15',
      supervisor: '村义务监督员 陈大明',
      findings: '工程已完工，外观质量良好。',
    });
  }
  if (due('accepted')) {
    await pay(
      p.fundSources.map((s, i) => s.amountFen - half[i]!),
      2 * p.fundSources.length,
    );
  }
  if (due('reimbursed')) {
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
  if (due('afterCare')) {
    await writes.afterCareCheck(who.village, p.id, {
      checkedOn: '2026-10-10',
      checker: '村支部书记',
      result: '运行正常',
    });
  }
}

/**
 * Uploads one small PDF for every required archive document (建档清单) of the stages up to
 * `upTo` that the project does not have yet, each by the level whose ledger it belongs to.
 */
export async function uploadRequiredArchives(
  archives: ArchiveService,
  who: LedgerCallers,
  p: { id: string; code: string },
  upTo: Stage,
  /** Documents (`stage.item`) to leave out. */
  without: readonly string[] = [],
): Promise<number> {
  const by = { department: who.department, implementing: who.owner, site: who.village } as const;
  const { checklist } = await archives.list(who.department, p.id);
  let uploaded = 0;
  for (const r of checklist) {
    if (!r.required || r.satisfied || stageRank(r.stage) > stageRank(upTo)) continue;
    if (without.includes(`${r.stage}.${r.item}`)) continue;
    await archives.upload(
      by[r.ledger],
      p.id,
      { ledger: r.ledger, stage: r.stage, item: r.item, fileName: `${p.code}-${r.item}.pdf` },
      'application/pdf',
      minimalPdf(`${p.code} ${r.item}`),
    );
    uploaded++;
  }
  return uploaded;
}

/** A one-page PDF with one line of ASCII text (byte offsets in the xref table computed). */
export function minimalPdf(text: string): Buffer {
  const safe = text.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '\\$&');
  const stream = `BT /F1 14 Tf 72 760 Td (${safe}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
