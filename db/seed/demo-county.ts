/**
 * The demo county, modelled on the seed document (城口县): supervising offices, departments
 * (water bureau, poverty-alleviation office, …), townships 庙坝镇 and 修齐镇 and their villages.
 * Codes are pinyin initials, as county staff abbreviate them.
 */
import type { OrgKind } from '../../domain/schemas.js';

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
  { code: 'mbz', name: '庙坝镇', kind: 'township', parent: 'ck' },
  { code: 'xqz', name: '修齐镇', kind: 'township', parent: 'ck' },
  { code: 'mbz-ljc', name: '罗江村', kind: 'village', parent: 'mbz' },
  { code: 'mbz-lpc', name: '联坪村', kind: 'village', parent: 'mbz' },
  { code: 'mbz-scc', name: '石城村', kind: 'village', parent: 'mbz' },
  { code: 'xqz-btc', name: '白台村', kind: 'village', parent: 'xqz' },
  { code: 'xqz-ppc', name: '枇杷村', kind: 'village', parent: 'xqz' },
  { code: 'xqz-dhc', name: '东河村', kind: 'village', parent: 'xqz' },
];

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
  then?: 'failInspection' | 'cancel';
}

export const DEMO_PROJECTS: DemoProject[] = [
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
