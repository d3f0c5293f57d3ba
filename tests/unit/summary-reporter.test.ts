/**
 * The closing line CI reads counts a file whose tests never ran as a failure: a `beforeAll` that
 * throws (a stack that did not start) leaves its tests skipped, and vitest's own totals say
 * "0 failed" beside them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-reporter-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  fs.writeFileSync(
    path.join(dir, 'vitest.config.mjs'),
    `export default { test: { include: ['*.test.mjs'], reporters: [${JSON.stringify(
      path.join(ROOT, 'tests/support/summary-reporter.ts'),
    )}] } };\n`,
  );
  const out = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
  });
  return out.stdout;
}

describe('the summary line', () => {
  it('counts a file whose beforeAll threw as failed, beside its skipped tests', () => {
    const imp = `import { beforeAll, expect, it } from ${JSON.stringify(path.join(ROOT, 'node_modules/vitest/dist/index.js'))};\n`;
    const stdout = run({
      'broken.test.mjs': `${imp}beforeAll(() => { throw new Error('the stack did not start'); });\nit('walks', () => expect(1).toBe(1));\n`,
      'fine.test.mjs': `${imp}it('adds', () => expect(1 + 1).toBe(2));\n`,
    });
    expect(stdout).toContain('Tests: 1 passed, 1 failed, 1 skipped');
  });
});
