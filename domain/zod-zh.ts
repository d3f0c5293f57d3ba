/**
 * zod's Chinese words, mended where its own locale speaks half English ("数值过小：期望 number >=1",
 * "实际接收 string"): sizes and types are said in Chinese; everything else is zod's zh-CN as is.
 */
import type { core } from 'zod';
import zodZh from 'zod/v4/locales/zh-CN.js';

const base = zodZh().localeError as (issue: core.$ZodRawIssue) => string | undefined;

/** What a value is, as a message names it. */
const TYPES: Record<string, string> = {
  string: '文本',
  number: '数字',
  int: '整数',
  bigint: '整数',
  boolean: '是或否',
  object: '对象',
  array: '列表',
  date: '日期',
  null: '空值',
  undefined: '空（未填）',
  nan: '非数字',
  symbol: '符号',
  function: '函数',
  file: '文件',
  map: '映射',
  set: '集合',
};
const typeOf = (input: unknown): string =>
  input === null ? 'null' : Array.isArray(input) ? 'array' : Number.isNaN(input) ? 'nan' : typeof input;

/** How a size is counted, by what is measured. */
const UNITS: Record<string, string> = { string: '个字符', array: '项', set: '项', map: '项', file: '字节' };

function bound(issue: { origin?: string; inclusive?: boolean }, n: unknown, small: boolean): string {
  const unit = UNITS[issue.origin ?? ''];
  const limit = String(n);
  if (unit) return `${small ? '过短' : '过长'}：${small ? '至少' : '至多'} ${limit} ${unit}`;
  const relation = small ? (issue.inclusive ? '不小于' : '大于') : issue.inclusive ? '不大于' : '小于';
  const what = issue.origin === 'date' ? '日期' : '数值';
  return `${what}${small ? '过小' : '过大'}：须${relation} ${limit}`;
}

export function zhError(issue: core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'too_small':
      return bound(issue, issue.minimum, true);
    case 'too_big':
      return bound(issue, issue.maximum, false);
    case 'invalid_type': {
      const expected = TYPES[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `缺少此项：须为${expected}`;
      return `类型不对：须为${expected}，收到的是${TYPES[typeOf(issue.input)] ?? typeOf(issue.input)}`;
    }
    default:
      return base(issue);
  }
}
