/**
 * Every api error message is in the caller's language: Chinese for zh-CN, no Chinese for en. The
 * scan (tests/support/message-scan.ts) reads the server's sources with the TypeScript compiler and
 * checks every place an error's text is produced; a planted file of bad messages proves it catches
 * each kind. The route fuzzer checks the same at run time (tests/support/fuzz/run.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitBilingual } from '#domain/errors.js';
import { LEDGER_ITEMS } from '#domain/ledgers/completeness.js';
import { LEDGER_LABELS, LEDGER_LABELS_EN, LEDGERS } from '#domain/ledgers/kinds.js';
import { ACTIONS, checkTransition, STAGES } from '#domain/lifecycle.js';
import { ROOT, scanMessages, type Allowance, type NotApi } from '../support/message-scan.js';

const HAN = /\p{Script=Han}/u;

const FAILURE_PASSED_ON =
  'a failure raised by an activity or a workflow, passed on: its message is checked where it is raised';
/** Messages the scan cannot see through, each with why it is in the caller's language anyway. */
const ALLOWANCES: Allowance[] = [
  {
    file: 'domain/errors.ts',
    expr: '{ zh: m[1]!, en: m[2]! }',
    why: 'splitBilingual itself: the two parts of a house-form message, checked where it is written',
  },
  {
    file: 'domain/errors.ts',
    expr: '{ zh: message, en: message }',
    why: 'splitBilingual itself: a message not in the house form, checked where it is written',
  },
  {
    file: 'domain/errors.ts',
    expr: 'd.message',
    why: 'AppError.detailsIn: a field’s message, checked where its { path, message } is built',
  },
  {
    file: 'api/src/http.ts',
    expr: 'p.message',
    why: 'invalidFields: a field’s message, checked where its { path, message } is built',
  },
  {
    file: 'domain/parse-in.ts',
    expr: 'zhError',
    why: 'zod’s own messages in Chinese (domain/zod-zh.ts)',
  },
  {
    file: 'domain/parse-in.ts',
    expr: 'zodEn().localeError',
    why: 'zod’s own messages in English',
  },
  {
    file: 'domain/parse-in.ts',
    expr: 'LOCALES[lang]',
    why: 'zod’s own messages in the caller’s language',
  },
  {
    file: 'domain/parse-in.ts',
    expr: 'i.message',
    why: 'a zod issue: zod’s locale in the language asked, or a schema’s own message (checked as zod messages)',
  },
  {
    file: 'domain/parse-in.ts',
    expr: 'enIssues[n]?.message ?? i.message',
    why: 'the same zod issue parsed in English: the same schema and value give the same issues',
  },
  {
    file: 'api/src/validation.ts',
    expr: 'i.message',
    why: 'a zod issue as parseIn (domain/parse-in.ts) said it in the caller’s language',
  },
  {
    file: 'api/src/validation.ts',
    expr: '{ zh: text, en: text }',
    why: 'a 422 already in the caller’s language: from MESSAGES[lang] (checked as a table) and zod issues',
  },
  {
    file: 'api/src/validation.ts',
    expr: 'MESSAGES[lang][problem]',
    why: 'the MESSAGES table, checked as a table',
  },
  {
    file: 'api/src/validation.ts',
    expr: 'MESSAGES[lang].deep',
    why: 'the MESSAGES table, checked as a table',
  },
  {
    file: 'api/src/validation.ts',
    expr: 'MESSAGES[lang].unknownParameter',
    why: 'the MESSAGES table, checked as a table',
  },
  {
    file: 'api/src/validation.ts',
    expr: 'MESSAGES[lang].unknownField',
    why: 'the MESSAGES table, checked as a table',
  },
  {
    file: 'api/src/modules/projects/step-call.ts',
    expr: 'cause.message',
    why: `the project workflow’s refusal: ${FAILURE_PASSED_ON}, or checkTransition’s (checked below)`,
  },
  {
    file: 'api/src/modules/imports/service.ts',
    expr: 'r.message',
    why: 'an import job’s message as stored: an AppError’s house form (checked where raised) or the job’s own progress texts, in the house form',
  },
  {
    file: 'api/src/modules/imports/service.ts',
    expr: 'e.message',
    why: 'a bad row’s message as stored: a { zh, en } pair from the row checks (checked where built) or the row schema',
  },
  {
    file: 'db/queries/ledger-gate.ts',
    expr: '`${c.label}：${m.label}`',
    why: 'a ledger and its item by their Chinese labels (checked below)',
  },
  {
    file: 'db/queries/ledger-gate.ts',
    expr: '`${LEDGER_LABELS_EN[c.ledger]}: ${LEDGER_ITEMS.find((r) => r.item === m.item)?.en ?? m.item}`',
    why: 'a ledger and its item by their English labels (checked below)',
  },
  {
    file: 'workflows/project.steps.ts',
    expr: 'check.reason',
    why: 'checkTransition’s refusal (checked below)',
  },
  { file: 'workflows/durable-write.ts', expr: 'cause.message', why: FAILURE_PASSED_ON },
  { file: 'workflows/complaint.workflow.ts', expr: 'cause.message', why: FAILURE_PASSED_ON },
  {
    file: 'workflows/complaint.workflow.ts',
    expr: 'String((cause as Error)?.message ?? cause)',
    why: FAILURE_PASSED_ON,
  },
  { file: 'workflows/rectification.workflow.ts', expr: 'cause.message', why: FAILURE_PASSED_ON },
  {
    file: 'workflows/rectification.workflow.ts',
    expr: 'String((cause as Error)?.message ?? cause)',
    why: FAILURE_PASSED_ON,
  },
  {
    file: 'workflows/rectification-issue.workflow.ts',
    expr: 'String((cause as Error)?.message ?? cause)',
    why: FAILURE_PASSED_ON,
  },
];

/** Schemas whose messages never reach an api caller. */
const NOT_API: NotApi[] = [
  { file: 'platform/env.ts', why: 'the environment’s schema: its messages are for whoever starts a process' },
];

const PLANTED_FILE = path.join(ROOT, 'api/src/planted-bad-messages.ts');
/** Each line marked BAD must be found, and nothing else in the file. */
const PLANTED = `import { z } from 'zod';
import { AppError } from '#domain/errors.js';
import { invalid } from './http.js';

export function planted(n: number, code: string): AppError {
  if (n === 0) return new AppError('NOT_FOUND', 'project not found'); // BAD: English only
  if (n === 1) return new AppError('NOT_FOUND', '项目不存在'); // BAD: Chinese only
  if (n === 2) return new AppError('NOT_FOUND', \`项目不存在 (project \${code} not found)\`);
  if (n === 3)
    return new AppError(
      'CONFLICT',
      \`项目编号已存在：\${code}\`, // BAD: a template over several lines
    );
  if (n === 4) return new AppError('CONFLICT', { zh: 'already there', en: '已存在' }); // BAD: sides swapped
  if (n === 5) return invalid('body.x', '不是村'); // BAD: through the shared helper
  if (n === 6) return new AppError('VALIDATION_FAILED', { zh: '不对', en: 'wrong' }, [{ path: 'body.x', message: 'wrong' }]); // BAD: a field's message
  if (n === 7) return wrapped(\`第 \${n} 行有误\`); // BAD: through a local wrapper
  if (n === 8) return new AppError('CONFLICT', SAID_ONCE);
  if (n === 9) return new AppError('CONFLICT', String(n)); // BAD: cannot be read
  if (n === 10) return new AppError('CONFLICT', { zh: \`已存在 \${LABEL.en}\`, en: \`exists \${LABEL.en}\` }); // BAD: English read into Chinese
  return new AppError('CONFLICT', n > 11 ? '已存在 (exists)' : 'exists'); // BAD: one branch English only
}
const SAID_ONCE = 'Already exists'; // BAD: a const
const LABEL = { zh: '项目', en: 'project' };
function wrapped(message: string) {
  return new AppError('VALIDATION_FAILED', message);
}
function paired(zh: string, en: string) {
  return new AppError('VALIDATION_FAILED', { zh: \`翻页位置\${zh}\`, en: \`cursor: \${en}\` });
}
export const fine = paired('无法识别', 'not a cursor');
export const swapped = paired('not a cursor', '无法识别'); // BAD: each side through a parameter
export const plantedSchema = z.string().min(2, { error: '至少两个字' }); // BAD: a zod message
export const plantedRefine = z.string().refine((s) => s !== 'x', 'must not be x'); // BAD: a zod message as a string
export const plantedIssue = z.string().superRefine((s, ctx) => {
  if (!s) ctx.addIssue({ code: 'custom', message: '不能为空' }); // BAD: a zod issue
});
`;

const scan = scanMessages({
  allowances: ALLOWANCES,
  notApi: NOT_API,
  extraFiles: { [PLANTED_FILE]: PLANTED },
});
const planted = path.relative(ROOT, PLANTED_FILE);

describe('api error messages', () => {
  it('the scan flags each kind of bad message planted in a source file, and nothing good', () => {
    const bad = PLANTED.split('\n')
      .map((l, i) => (l.includes('// BAD') ? `${planted}:${i + 1}` : null))
      .filter(Boolean);
    const found = [...new Set(scan.findings.filter((f) => f.at.startsWith(`${planted}:`)).map((f) => f.at))];
    expect(found.sort()).toEqual(bad.sort());
  });

  it('the scan sees every new AppError a text search finds, however it is written', () => {
    const grep = (dir: string): number =>
      fs.readdirSync(dir, { withFileTypes: true }).reduce((n, d) => {
        const p = path.join(dir, d.name);
        if (d.isDirectory()) return n + (d.name === 'node_modules' ? 0 : grep(p));
        if (!/\.ts$/.test(d.name) || /\.(test|d)\.ts$/.test(d.name)) return n;
        return n + (fs.readFileSync(p, 'utf8').match(/new AppError\(/g) ?? []).length;
      }, 0);
    const text = ['api', 'domain', 'db', 'activities', 'workflows', 'worker', 'platform', 'scripts']
      .map((d) => grep(path.join(ROOT, d)))
      .reduce((a, b) => a + b, 0);
    const inPlanted = (PLANTED.match(/new AppError\(/g) ?? []).length;
    expect(scan.counts['new AppError']).toBe(text + inPlanted);
    // And the other producers: zod's custom messages, field details, pairs, workflow failures.
    expect(scan.counts['zod message']).toBeGreaterThan(40);
    expect(scan.counts['field detail']).toBeGreaterThan(20);
    expect(scan.counts.pair).toBeGreaterThan(20);
    expect(scan.counts.ApplicationFailure).toBeGreaterThan(5);
  });

  it('a refused transition says so in the house form, for every stage and action', () => {
    for (const stage of STAGES)
      for (const action of ACTIONS) {
        const check = checkTransition(stage, action);
        if (check.ok) continue;
        const m = splitBilingual(check.reason);
        expect(m.zh, `${stage} ${action}`).toMatch(HAN);
        expect(m.en.replace(/「[^」]*」|“[^”]*”|"[^"]*"/g, ''), `${stage} ${action}`).not.toMatch(HAN);
      }
  });

  it('the acceptance gate names each ledger and item in Chinese and in English', () => {
    for (const l of LEDGERS) {
      expect(LEDGER_LABELS[l], l).toMatch(HAN);
      expect(LEDGER_LABELS_EN[l], l).not.toMatch(HAN);
    }
    for (const r of LEDGER_ITEMS) {
      expect(r.label, r.item).toMatch(HAN);
      expect(r.en, r.item).not.toMatch(HAN);
    }
  });

  it('give Chinese to a zh-CN caller and none to an en caller, wherever they are produced', () => {
    expect(scan.findings.filter((f) => !f.at.startsWith(`${planted}:`))).toEqual([]);
    // An allowance no longer needed is removed, so the list says only what is true.
    expect(scan.unusedAllowances).toEqual([]);
  });
});
