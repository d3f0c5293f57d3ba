/**
 * The demo county's notices, policy library and one thread between units. The policies are real
 * national documents, named by title and number with a short neutral summary of what they govern
 * (their text is not reproduced); the notices and the thread are the county's own.
 */
import type { NoticeCategory } from '#domain/bulletin-schemas.js';

export interface DemoNotice {
  author: string;
  title: string;
  category: NoticeCategory;
  issuer: string;
  issuedOn: string;
  body: string;
  unitCodes: string[];
  unitKinds: ('office' | 'department' | 'township' | 'village')[];
}

export const DEMO_NOTICES: DemoNotice[] = [
  {
    author: 'tpgjb.op',
    title: '关于报送衔接资金项目月度实施进度的通知',
    category: 'notice',
    issuer: '县脱贫攻坚办',
    issuedOn: '2026-03-02',
    body: '各乡镇：请于每月 5 日前在平台录入上月项目实施进度，并上传现场照片。逾期未录入的项目将列入预警。',
    unitCodes: [],
    unitKinds: ['township'],
  },
  {
    author: 'zxjdb.op',
    title: '关于召开扶贫项目资金专项监督工作会议的通知',
    category: 'meeting',
    issuer: '县专项监督办',
    issuedOn: '2026-03-10',
    body: '县水务局、县交通局、县农业农村委：定于 3 月 16 日上午 9 时在县政府三楼会议室召开专项监督工作会议，请分管负责人参会。',
    unitCodes: ['swj', 'jtj', 'nyw'],
    unitKinds: [],
  },
];

export interface DemoPolicy {
  title: string;
  documentNo: string;
  issuer: string;
  level: 'national' | 'municipal' | 'county';
  category: 'funds' | 'projects' | 'supervision' | 'industry' | 'other';
  issuedOn: string;
  status: 'effective' | 'repealed';
  body: string;
}

export const DEMO_POLICIES: DemoPolicy[] = [
  {
    title: '中央财政衔接推进乡村振兴补助资金管理办法',
    documentNo: '财农〔2021〕19号',
    issuer: '财政部等六部门',
    level: 'national',
    category: 'funds',
    issuedOn: '2021-03-31',
    status: 'effective',
    body: '摘要：规定中央财政衔接推进乡村振兴补助资金的使用范围、分配、下达、使用管理和监督。',
  },
  {
    title: '财政专项扶贫资金管理办法',
    documentNo: '财农〔2017〕8号',
    issuer: '财政部等六部门',
    level: 'national',
    category: 'funds',
    issuedOn: '2017-03-13',
    status: 'repealed',
    body: '摘要：规定财政专项扶贫资金的预算安排、分配、使用、管理和监督；已由衔接资金管理办法替代。',
  },
  {
    title: '关于支持贫困县开展统筹整合使用财政涉农资金试点的意见',
    documentNo: '国办发〔2016〕22号',
    issuer: '国务院办公厅',
    level: 'national',
    category: 'funds',
    issuedOn: '2016-04-12',
    status: 'effective',
    body: '摘要：贫困县统筹整合使用财政涉农资金的范围、方式和监管要求。',
  },
];

export const DEMO_THREAD = {
  from: 'mbz.op',
  subject: '关于罗江村人饮工程进场施工的协调',
  to: ['swj'],
  body: '县水务局：罗江村人饮安全巩固提升工程拟于下月进场，请告知设计批复是否已下达。',
  answer: { from: 'swj.op', body: '设计批复已于本周印发，请在平台上查看项目台账中的批复文号。' },
};
