/**
 * The console's form checks speak the UI's language: `useSchemaForm` (the step and ledger forms)
 * runs the shared schema in the browser, and a rule the schema words itself (a `{ zh, en }` pair)
 * must show beside its field in English on the English console and in Chinese on the Chinese one.
 * The composable runs inside a real Vue component with the console's own i18n, rendered on the
 * server renderer (no DOM is needed to run a component's setup).
 */
import { describe, expect, it } from 'vitest';
import { createSSRApp, defineComponent } from 'vue';
import type { ZodType } from 'zod';
import { issueRectificationSchema } from '@domain/rectification-schemas';
import { renderToString } from 'vue/server-renderer';
import { LEDGER_FORMS } from '../components/ledgers/ledger-forms';
import { i18n } from '../i18n';
import { useSchemaForm } from './use-schema-form';

const HAN = /\p{Script=Han}/u;

/** Submits `body` through a ledger form's schema as the console does, in `locale`; the errors shown. */
async function formErrors(
  locale: 'zh-CN' | 'en',
  body: unknown,
  schema: ZodType = LEDGER_FORMS['implementing/implementation'].schema,
  keys: 'first' | 'full' = 'first',
): Promise<Record<string, string>> {
  let form!: ReturnType<typeof useSchemaForm>;
  const app = createSSRApp(
    defineComponent({
      setup() {
        form = useSchemaForm({ keys });
        return () => null;
      },
    }),
  );
  app.use(i18n);
  i18n.global.locale.value = locale;
  await renderToString(app);
  let sent = false;
  await form.submit(schema, { body, problems: {} }, async () => {
    sent = true;
  });
  expect(sent).toBe(false);
  return form.errors.value;
}

describe('the schema messages of a console form', () => {
  // A refinement's own message (the contractor's credit code is required) and a rule's own
  // message (a credit code whose check character is wrong).
  const missingCode = { method: 'openTender', contractorName: '重庆某建设公司' };
  const badCode = {
    method: 'openTender',
    contractorName: '重庆某建设公司',
    contractorUscc: '91500000000000000X',
  };

  it('are English on the English console', async () => {
    const missing = await formErrors('en', missingCode);
    expect(missing.contractorUscc).toMatch(/unified social credit code is required/);
    const bad = await formErrors('en', badCode);
    expect(bad.contractorUscc).toMatch(/not a valid unified social credit code/);
    for (const m of [...Object.values(missing), ...Object.values(bad)]) expect(m).not.toMatch(HAN);
  });

  it('are Chinese on the Chinese console', async () => {
    expect((await formErrors('zh-CN', missingCode)).contractorUscc).toBe('承包单位须填写统一社会信用代码');
    expect((await formErrors('zh-CN', badCode)).contractorUscc).toMatch(/^统一社会信用代码无效/);
  });
});

describe('a field left blank', () => {
  // A unit chosen from a list is a code with a pattern: nothing chosen is "required", not the pattern.
  const blank = {
    unitCode: '',
    title: '',
    dayCount: 'working',
    problems: [{ description: '挪用资金', basis: '《资金管理办法》第十条', deadlineDays: 15 }],
  };

  it('is said to be required, whatever rule its blank breaks', async () => {
    expect(await formErrors('en', blank, issueRectificationSchema, 'full')).toEqual({
      unitCode: 'Required',
      title: 'Required',
    });
    expect(await formErrors('zh-CN', blank, issueRectificationSchema, 'full')).toEqual({
      unitCode: '必填',
      title: '必填',
    });
  });
});
