/** The lint rule that keeps workflows/ deterministic must actually reject I/O imports. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function lint(code: string, filePath = 'workflows/example.workflow.ts') {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId);
}

describe('workflows/ import rule', () => {
  it.each([
    ["import fs from 'node:fs';", 'node built-in'],
    ["import { initORM } from '../db/orm.js';", 'database'],
    ["import { initORM } from '#db/orm.js';", 'database, by its alias'],
    ["import { createLogger } from '#platform/log.js';", 'platform code, by its alias'],
    [
      "import { createProjectActivities } from '../activities/project.activities.js';",
      'activity implementation',
    ],
    [
      "import { createProjectActivities } from '#activities/project.activities.js';",
      'activity implementation, by its alias',
    ],
    ["import { Client } from '@temporalio/client';", 'temporal client'],
  ])('rejects %s (%s)', async (line) => {
    expect(await lint(`${line}\nexport const x = 1;\n`)).toContain('no-restricted-imports');
  });

  it('accepts domain code and activity types', async () => {
    const ok = await lint(
      "import type { createProjectActivities } from '#activities/project.activities.js';\nimport { ACTIONS } from '#domain/lifecycle.js';\nexport type A = typeof createProjectActivities;\nexport const n = ACTIONS.length;\n",
    );
    expect(ok).toEqual([]);
  });
});

describe('domain/ import rule', () => {
  it.each([
    ["import { initORM } from '#db/orm.js';"],
    ["import { ACTIONS } from '#workflows/project.messages.js';"],
    ["import express from 'express';"],
  ])('rejects %s', async (line) => {
    expect(await lint(`${line}\nexport const x = 1;\n`, 'domain/example.ts')).toContain(
      'no-restricted-imports',
    );
  });

  it('accepts domain code', async () => {
    expect(
      await lint(
        "import { ACTIONS } from '#domain/lifecycle.js';\nexport const n = ACTIONS.length;\n",
        'domain/example.ts',
      ),
    ).toEqual([]);
  });
});
