/**
 * The detail table as one A4 page, Chinese rendered with an embedded (subset) CJK font. Sections
 * are laid out top to bottom; long lists are cut to their latest rows with a "另有 N 条" line, so a
 * typical project always fits on one page.
 *
 * Amounts are in 元 with two decimals, exact to the 分 like the JSON and the workbook: in 万元
 * rounded to 0.01 the parts of a total did not add up on paper, anything under 50 元 read 0.00, and
 * a 报账 and a 结算 tens of 元 apart read the same. An amount's cell never cuts its text: the money
 * columns hold a typical project's millions at the usual size, and where the largest amount
 * (MAX_FEN, 10,000,000,000.00) would not fit it is drawn smaller instead.
 */
import { cstMinute } from '#domain/deadlines.js';
import type { DetailTable } from '#domain/detail-table.js';
import { formatYuan } from '#domain/money.js';
import { newPdf, type PdfDoc } from '../../document-libs.js';

const PAGE_W = 595.28;
const M = 32;
const W = PAGE_W - 2 * M;
const ROW = 14.5;
const FONT_SIZE = 8;

/** A cell whose whole text must be read (an amount): drawn smaller when too wide, never cut. */
interface Whole {
  whole: string;
}
type Cell = string | Whole;

function table(
  doc: PdfDoc,
  y: number,
  widths: number[],
  rows: Cell[][],
  opts: { header?: boolean; align?: ('left' | 'right' | 'center')[] } = {},
): number {
  const total = widths.reduce((a, b) => a + b, 0);
  const scale = W / total;
  const ws = widths.map((w) => w * scale);
  rows.forEach((r, ri) => {
    let x = M;
    const head = opts.header && ri === 0;
    if (head) doc.rect(M, y, W, ROW).fill('#e8eef7').fillColor('black');
    r.forEach((cell, ci) => {
      // A row with fewer cells than columns: its last cell spans the rest of the width.
      const width = ci === r.length - 1 ? M + W - x : ws[ci]!;
      doc.rect(x, y, width, ROW).lineWidth(0.5).stroke('#555555');
      const text = typeof cell === 'string' ? cell : cell.whole;
      doc.font(head ? 'cjk-bold' : 'cjk').fontSize(FONT_SIZE);
      let size = FONT_SIZE;
      const natural = typeof cell === 'string' ? 0 : doc.widthOfString(text);
      if (natural > width - 6) {
        // Rounded down to 0.1 pt so the text is surely narrower than the cell: pdfkit would put
        // an ellipsis in place of its last characters.
        size = Math.floor(((FONT_SIZE * (width - 6)) / natural) * 10) / 10;
      }
      doc
        .fontSize(size)
        .fillColor('black')
        // Smaller text is moved down to keep its middle on the row's line: the face's top is 1.16 em
        // above the baseline, the middle of its glyphs about 0.38 em.
        .text(text, x + 3, y + 3.5 + (FONT_SIZE - size) * 0.78, {
          width: width - 6,
          height: ROW - 4,
          lineBreak: false,
          ellipsis: true,
          align: head ? 'center' : (opts.align?.[ci] ?? 'left'),
        });
      x += ws[ci]!;
    });
    y += ROW;
  });
  return y;
}

function section(doc: PdfDoc, y: number, title: string): number {
  doc
    .font('cjk-bold')
    .fontSize(10)
    .fillColor('#1f3a68')
    .text(title, M, y + 6, { lineBreak: false });
  doc.fillColor('black');
  return y + 22;
}

const yuan = (f: number | null): Cell => (f === null ? '—' : { whole: formatYuan(f) });

export async function detailTablePdf(t: DetailTable): Promise<Buffer> {
  // A small bottom margin: the page is laid out by hand, and pdfkit must not add a second one.
  const { doc, finish } = await newPdf({
    size: 'A4',
    margins: { top: M, left: M, right: M, bottom: 8 },
    info: { Title: `项目明细表 ${t.project.code}`, Creator: '三账一表' },
  });

  const p = t.project;
  doc.font('cjk-bold').fontSize(16).text('项目明细表', M, M, { width: W, align: 'center' });
  doc
    .font('cjk')
    .fontSize(8)
    .fillColor('#444444')
    .text(
      `项目编号 ${p.code}  生成时间 ${cstMinute(Date.parse(t.generatedAt))}（系统生成，不得手工填写）  金额单位：元`,
      M,
      M + 22,
      {
        width: W,
        align: 'center',
      },
    )
    .fillColor('black');

  let y = section(doc, M + 34, '一、项目基本情况');
  y = table(
    doc,
    y,
    [1, 2.4, 1, 2.4],
    [
      ['项目名称', p.name],
      [
        '年度 / 类型',
        `${p.year} / ${p.type} / ${p.nature}`,
        '资金规模',
        { whole: `${formatYuan(t.funds.budgetFen)} 元` },
      ],
      ['主管部门', p.department, '业主单位', p.ownerUnit],
      [
        '建设地点',
        [p.villages.join('、'), p.location].filter(Boolean).join(' '),
        '立项文号',
        p.approvalDocumentNo,
      ],
      [
        '所处阶段',
        `${p.stageLabel}（进度 ${p.progressPercent}%）`,
        '计划开工 / 竣工',
        `${p.plannedDates.start} / ${p.plannedDates.completion}`,
      ],
      [
        '计划验收 / 报账',
        `${p.plannedDates.acceptance} / ${p.plannedDates.reimbursement}`,
        '实施方式',
        t.implementation.method ?? '—',
      ],
      [
        '承包单位',
        t.implementation.contractor ?? '—',
        '统一社会信用代码',
        t.implementation.contractorUscc ?? '—',
      ],
    ],
  );

  y = section(doc, y, '二、资金组合与拨付');
  const f = t.funds;
  y = table(
    doc,
    y,
    // Each amount column holds the largest amount, 10,000,000,000.00, at the usual size (67 pt of
    // its 71); the 报账 / 结算 line beside them is drawn smaller from several hundred million 元 up.
    [2.1, 2.2, 1.1, 1.1, 1.1],
    [
      ['资金来源', '资金文件文号', '下达', '已拨付', '结余'],
      ...f.sources.map((s) => [
        s.label,
        s.documentNo ?? '—',
        yuan(s.amountFen),
        yuan(s.disbursedFen),
        yuan(s.balanceFen),
      ]),
      [
        '合计（批复预算）',
        {
          whole:
            [
              f.reimbursedFen === null ? null : `报账 ${formatYuan(f.reimbursedFen)}`,
              f.settledFen === null ? null : `结算 ${formatYuan(f.settledFen)}`,
            ]
              .filter(Boolean)
              .join('；') || '未报账',
        },
        yuan(f.budgetFen),
        yuan(f.disbursedFen),
        yuan(f.balanceFen),
      ],
    ],
    { header: true, align: ['left', 'left', 'right', 'right', 'right'] },
  );

  const MAX_DISB = 6;
  const shown = t.disbursements.slice(-MAX_DISB);
  y = section(doc, y, `三、资金拨付明细（共 ${t.disbursements.length} 笔，单位：元）`);
  y = table(
    doc,
    y,
    [1, 1.6, 1.25, 1.8, 2.15, 0.9],
    [
      ['拨付日期', '资金来源', '金额（元）', '收款单位', '凭证号', '审批人'],
      ...(shown.length
        ? shown.map((d) => [d.paidOn, d.source, yuan(d.amountFen), d.payee, d.voucherNo, d.approver])
        : [['暂无拨付']]),
      ...(t.disbursements.length > MAX_DISB
        ? [[`另有 ${t.disbursements.length - MAX_DISB} 笔较早的拨付，见电子表格（?format=xlsx）`]]
        : []),
    ],
    { header: true, align: ['left', 'left', 'right', 'left', 'left', 'left'] },
  );

  y = section(doc, y, '四、实施进度');
  const prog = t.progress.slice(-4);
  y = table(
    doc,
    y,
    [1, 0.8, 5],
    [
      ['月份', '进度', '进展情况'],
      ...(prog.length
        ? prog.map((x) => [x.month, `${x.percent}%`, x.narrative])
        : [['—', '—', '暂无月度进度']]),
    ],
    { header: true },
  );

  y = section(doc, y, '五、群众受益、公示与监督');
  const b = t.beneficiaries;
  const n = t.site.notices.at(-1);
  y = table(
    doc,
    y,
    [1, 2.4, 1, 2.4],
    [
      [
        '受益户 / 人口',
        b ? `${b.households} 户 / ${b.people} 人` : '—',
        '其中贫困户',
        b ? `${b.poorHouseholds} 户` : '—',
      ],
      ['公示', n ? `${n.place}，${n.period}` : '未公示', '异议', n ? `${n.objections} 件` : '—'],
      [
        '义务监督',
        `${t.site.visits} 次${t.site.lastVisit ? `，最近 ${t.site.lastVisit}` : ''}`,
        '征求意见',
        `${t.site.opinions} 次`,
      ],
      [
        '后续管护',
        t.site.afterCare ?? '—',
        '集体决策 / 调项',
        `${t.implementation.decisions} 次 / ${t.implementation.adjustments} 次`,
      ],
    ],
  );

  y = section(doc, y, '六、检查验收、预警与整改');
  const issues = [
    ...t.inspections.map((i) => [i.on, i.passed ? '验收通过' : '验收未通过', i.findings || '—']),
    ...t.alerts.filter((a) => a.code !== 'rectification').map((a) => ['—', '预警', a.label]),
    ...t.reconciliation.map((r) => ['—', '对账差异', r.message]),
  ].slice(0, 6);
  y = table(doc, y, [1, 1, 5], [['日期', '类别', '情况'], ...(issues.length ? issues : [['—', '—', '无']])], {
    header: true,
  });

  y = section(doc, y, '七、台账完整度');
  y = table(
    doc,
    y,
    [1.6, 0.8, 4.6],
    [
      ['台账', '完整度', '缺项'],
      ...t.completeness.map((c) => [
        c.label,
        `${c.percent}%`,
        c.missing.map((m) => m.label).join('、') || '齐全',
      ]),
    ],
    { header: true },
  );

  doc
    .font('cjk')
    .fontSize(7)
    .fillColor('#666666')
    .text('本表由三账一表系统根据主管部门、实施单位、建设地点三本台账及项目流程自动生成。', M, y + 8, {
      width: W,
      align: 'center',
      lineBreak: false,
    });
  return finish();
}
