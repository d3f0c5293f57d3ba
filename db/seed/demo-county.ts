/**
 * The demo county, modelled on the seed document (城口县): supervising offices, departments
 * (water bureau, poverty-alleviation office, …), townships 庙坝镇 and 修齐镇 and their villages.
 * Codes are pinyin initials, as county staff abbreviate them.
 */
import type { OrgKind } from '#domain/schemas.js';

export interface DemoUnit {
  code: string;
  name: string;
  kind: OrgKind;
  parent: string | null;
}

export const DEMO_UNITS: DemoUnit[] = [
  { code: 'ck', name: '城口县', kind: 'county', parent: null },
  { code: 'tpgjb', name: '县脱贫攻坚办', kind: 'office', parent: 'ck' },
  { code: 'zxjdb', name: '县专项监督办', kind: 'office', parent: 'ck' },
  { code: 'swj', name: '县水务局', kind: 'department', parent: 'ck' },
  { code: 'jtj', name: '县交通局', kind: 'department', parent: 'ck' },
  { code: 'nyw', name: '县农业农村委', kind: 'department', parent: 'ck' },
  { code: 'fpb', name: '县扶贫办', kind: 'department', parent: 'ck' },
  { code: 'zjw', name: '县住房城乡建委', kind: 'department', parent: 'ck' },
  { code: 'lyj', name: '县林业局', kind: 'department', parent: 'ck' },
  { code: 'mbz', name: '庙坝镇', kind: 'township', parent: 'ck' },
  { code: 'xqz', name: '修齐镇', kind: 'township', parent: 'ck' },
  { code: 'bsz', name: '巴山镇', kind: 'township', parent: 'ck' },
  { code: 'mtz', name: '明通镇', kind: 'township', parent: 'ck' },
  { code: 'mbz-ljc', name: '罗江村', kind: 'village', parent: 'mbz' },
  { code: 'mbz-lpc', name: '联坪村', kind: 'village', parent: 'mbz' },
  { code: 'mbz-scc', name: '石城村', kind: 'village', parent: 'mbz' },
  { code: 'xqz-btc', name: '白台村', kind: 'village', parent: 'xqz' },
  { code: 'xqz-ppc', name: '枇杷村', kind: 'village', parent: 'xqz' },
  { code: 'xqz-dhc', name: '东河村', kind: 'village', parent: 'xqz' },
  { code: 'mbz-hpc', name: '河坪村', kind: 'village', parent: 'mbz' },
  { code: 'xqz-cxc', name: '长兴村', kind: 'village', parent: 'xqz' },
  { code: 'bsz-psc', name: '坪上村', kind: 'village', parent: 'bsz' },
  { code: 'bsz-xhc', name: '新华村', kind: 'village', parent: 'bsz' },
  { code: 'bsz-tyc', name: '桃园村', kind: 'village', parent: 'bsz' },
  { code: 'mtz-spc', name: '双坪村', kind: 'village', parent: 'mtz' },
  { code: 'mtz-gmc', name: '光明村', kind: 'village', parent: 'mtz' },
  { code: 'mtz-jyc', name: '金岩村', kind: 'village', parent: 'mtz' },
];

/**
 * The departments' and townships' main leaders (单位主要负责人), invented names: the negative list
 * names a unit's head, and escalated alerts reach the head as well as the unit's operators.
 */
export const DEMO_UNIT_HEADS: Readonly<Record<string, string>> = {
  swj: '陈志刚',
  jtj: '李永红',
  nyw: '王德明',
  fpb: '刘春燕',
  zjw: '张卫东',
  lyj: '赵国强',
  mbz: '周建华',
  xqz: '吴海波',
  bsz: '郑晓琴',
  mtz: '孙立军',
};

/**
 * Demo projects: what to create and how far to take each one. `steps` is the number of steps of
 * MAIN_PATH to apply; `then` adds a side path after them.
 */
export interface DemoProject {
  code: string;
  name: string;
  type: string;
  nature: 'new' | 'continued' | 'rebuilt';
  department: string;
  owner: string;
  villages: string[];
  budgetFen: number;
  sources: {
    kind: 'centralSpecial' | 'municipalSpecial' | 'countySpecial' | 'sector' | 'social' | 'integratedAgri';
    amountFen: number;
  }[];
  steps: number;
  then?: 'failInspection' | 'cancel' | 'close';
}

const HANDCRAFTED: DemoProject[] = [
  {
    code: 'CK2026-001',
    name: '罗江村人饮安全巩固提升工程',
    type: '饮水安全',
    nature: 'new',
    department: 'swj',
    owner: 'mbz',
    villages: ['mbz-ljc'],
    budgetFen: 86_500_00,
    sources: [
      { kind: 'centralSpecial', amountFen: 60_000_00 },
      { kind: 'countySpecial', amountFen: 26_500_00 },
    ],
    steps: 0,
  },
  {
    code: 'CK2026-002',
    name: '联坪村产业路硬化工程',
    type: '交通',
    nature: 'new',
    department: 'jtj',
    owner: 'mbz',
    villages: ['mbz-lpc'],
    budgetFen: 1_250_000_00,
    sources: [
      { kind: 'sector', amountFen: 900_000_00 },
      { kind: 'integratedAgri', amountFen: 350_000_00 },
    ],
    steps: 1,
  },
  {
    code: 'CK2026-003',
    name: '石城村中药材种植基地',
    type: '产业发展',
    nature: 'new',
    department: 'nyw',
    owner: 'mbz',
    villages: ['mbz-scc'],
    budgetFen: 420_000_00,
    sources: [
      { kind: 'municipalSpecial', amountFen: 300_000_00 },
      { kind: 'social', amountFen: 120_000_00 },
    ],
    steps: 2,
  },
  {
    code: 'CK2026-004',
    name: '白台村山坪塘整治',
    type: '水利',
    nature: 'rebuilt',
    department: 'swj',
    owner: 'xqz',
    villages: ['xqz-btc'],
    budgetFen: 230_000_00,
    sources: [{ kind: 'centralSpecial', amountFen: 230_000_00 }],
    steps: 4,
  },
  {
    code: 'CK2026-005',
    name: '枇杷村便民桥新建工程',
    type: '交通',
    nature: 'new',
    department: 'jtj',
    owner: 'xqz',
    villages: ['xqz-ppc'],
    budgetFen: 680_000_00,
    sources: [
      { kind: 'sector', amountFen: 500_000_00 },
      { kind: 'countySpecial', amountFen: 180_000_00 },
    ],
    steps: 5,
  },
  {
    code: 'CK2026-006',
    name: '东河村安全饮水管网延伸',
    type: '饮水安全',
    nature: 'continued',
    department: 'swj',
    owner: 'xqz',
    villages: ['xqz-dhc'],
    budgetFen: 158_000_00,
    sources: [{ kind: 'integratedAgri', amountFen: 158_000_00 }],
    steps: 5,
    then: 'failInspection',
  },
  {
    code: 'CK2026-007',
    name: '罗江村扶贫车间建设',
    type: '产业发展',
    nature: 'new',
    department: 'fpb',
    owner: 'mbz',
    villages: ['mbz-ljc', 'mbz-lpc'],
    budgetFen: 960_000_00,
    sources: [
      { kind: 'centralSpecial', amountFen: 700_000_00 },
      { kind: 'social', amountFen: 260_000_00 },
    ],
    steps: 6,
  },
  {
    code: 'CK2026-008',
    name: '白台村农村危房改造',
    type: '住房安全',
    nature: 'rebuilt',
    department: 'fpb',
    owner: 'xqz',
    villages: ['xqz-btc'],
    budgetFen: 315_000_00,
    sources: [{ kind: 'municipalSpecial', amountFen: 315_000_00 }],
    steps: 7,
  },
  {
    code: 'CK2026-009',
    name: '修齐镇枇杷村至东河村连接道',
    type: '交通',
    nature: 'new',
    department: 'jtj',
    owner: 'xqz',
    villages: ['xqz-ppc', 'xqz-dhc'],
    budgetFen: 2_100_000_00,
    sources: [
      { kind: 'sector', amountFen: 1_500_000_00 },
      { kind: 'integratedAgri', amountFen: 600_000_00 },
    ],
    steps: 8,
  },
  {
    code: 'CK2026-010',
    name: '石城村高山蔬菜冷库',
    type: '产业发展',
    nature: 'new',
    department: 'nyw',
    owner: 'mbz',
    villages: ['mbz-scc'],
    budgetFen: 275_000_00,
    sources: [{ kind: 'countySpecial', amountFen: 275_000_00 }],
    steps: 1,
    then: 'cancel',
  },
];

type SourceKind = DemoProject['sources'][number]['kind'];
const KINDS: SourceKind[] = [
  'centralSpecial',
  'municipalSpecial',
  'countySpecial',
  'sector',
  'social',
  'integratedAgri',
];

/** What each department funds: name suffix, project type, nature. */
const TEMPLATES: Record<string, [string, string, DemoProject['nature']][]> = {
  swj: [
    ['人饮安全巩固提升工程', '饮水安全', 'new'],
    ['山坪塘整治', '水利', 'rebuilt'],
    ['灌溉渠道修复工程', '水利', 'rebuilt'],
    ['安全饮水管网延伸', '饮水安全', 'continued'],
  ],
  jtj: [
    ['产业路硬化工程', '交通', 'new'],
    ['便民桥新建工程', '交通', 'new'],
    ['人行便道建设', '交通', 'new'],
    ['村道安全防护工程', '交通', 'continued'],
  ],
  nyw: [
    ['中药材种植基地', '产业发展', 'new'],
    ['高山蔬菜冷库', '产业发展', 'new'],
    ['生态山地鸡养殖基地', '产业发展', 'continued'],
  ],
  fpb: [
    ['扶贫车间建设', '产业发展', 'new'],
    ['农村危房改造', '住房安全', 'rebuilt'],
    ['光伏扶贫电站', '产业发展', 'new'],
  ],
  zjw: [
    ['农村人居环境整治', '人居环境', 'rebuilt'],
    ['污水处理设施建设', '人居环境', 'new'],
  ],
  lyj: [
    ['经果林基地建设', '产业发展', 'new'],
    ['森林防火通道', '生态保护', 'new'],
  ],
};

/**
 * 190 more projects, generated deterministically (the same county on every machine): every
 * department, village, fund source kind and stage, with budgets from 5 万 to 300 万 元 in odd
 * amounts, and one to three fund sources whose amounts sum exactly to the budget.
 */
function generated(): DemoProject[] {
  const villages = DEMO_UNITS.filter((u) => u.kind === 'village');
  const departments = Object.keys(TEMPLATES);
  const out: DemoProject[] = [];
  for (let i = 11; i <= 200; i++) {
    const village = villages[(i * 5) % villages.length]!; // 5 is coprime with the 14 villages
    const department = departments[i % departments.length]!;
    const templates = TEMPLATES[department]!;
    const [suffix, type, nature] = templates[Math.floor(i / departments.length) % templates.length]!;
    const budgetFen =
      (((i * 7919) % 296) + 5) * 1_000_000 + ((i * 37) % 100) * 10_000 + ((i * 13) % 10) * 100;
    const count = 1 + (i % 3);
    const sources = Array.from({ length: count }, (_, k) => {
      const amountFen =
        k === count - 1
          ? budgetFen - Math.floor(budgetFen / count) * (count - 1)
          : Math.floor(budgetFen / count);
      return { kind: KINDS[(i + k * 2) % KINDS.length]!, amountFen };
    });
    // Stages: 0–8 steps of the main path, a failed inspection, a cancellation, a closed project.
    const slot = i % 12;
    const plan: Pick<DemoProject, 'steps' | 'then'> =
      slot <= 8
        ? { steps: slot }
        : slot === 9
          ? { steps: 5, then: 'failInspection' }
          : slot === 10
            ? { steps: Math.floor(i / 12) % 3, then: 'cancel' }
            : { steps: 8, then: 'close' };
    out.push({
      code: `CK2026-${String(i).padStart(3, '0')}`,
      name: `${village.name}${suffix}`,
      type,
      nature,
      department,
      owner: village.parent!,
      villages: [village.code],
      budgetFen,
      sources,
      ...plan,
    });
  }
  return out;
}

export const DEMO_PROJECTS: DemoProject[] = [...HANDCRAFTED, ...generated()];
