/**
 * The field's notice form sends what was typed through the shared schema as every console form does:
 * an announced amount of 0 is the schema's "must be greater than 0" beside the field, not a notice
 * saved without its amount; only a field left blank means "no amount". The form's composable runs
 * inside a real Vue component with the console's i18n, on the server renderer.
 */
import { describe, expect, it } from 'vitest';
import { createSSRApp, defineComponent } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { noticeInputSchema } from '@domain/ledgers/inputs';
import { i18n } from '../../i18n';
import { useSchemaForm } from '../../composables/use-schema-form';
import { noticeBody } from './notice-body';

/** Submits a notice with `announcedAmount` typed as NoticeFlow does: what is sent, or the errors. */
async function submitNotice(announcedAmount: string) {
  let form!: ReturnType<typeof useSchemaForm>;
  const app = createSSRApp(
    defineComponent({
      setup() {
        form = useSchemaForm({ keys: 'first' });
        return () => null;
      },
    }),
  );
  app.use(i18n);
  i18n.global.locale.value = 'en';
  await renderToString(app);
  const values = {
    place: '村委会公示栏',
    postedFrom: '2026-12-01',
    postedTo: '2026-12-07',
    content: '便民桥项目公示',
    announcedAmount,
    complaintPhone: '',
    objectionCount: 0,
    objections: '',
  };
  let sent: Record<string, unknown> | null = null;
  await form.submit(noticeInputSchema, noticeBody(values, '500229101001', form.putYuan), async (input) => {
    sent = input;
  });
  return { sent: sent as Record<string, unknown> | null, errors: form.errors.value };
}

describe("the field's public notice form", () => {
  it('refuses an announced amount of 0 beside the field instead of dropping it', async () => {
    for (const typed of ['0', '0.00', ' 0 ']) {
      const { sent, errors } = await submitNotice(typed);
      expect(sent).toBeNull();
      expect(errors.announcedAmountFen).toBe('the amount must be greater than 0');
    }
  });

  it('sends an amount in 分, none when the field is blank, and says when the text is not money', async () => {
    expect((await submitNotice('12.5')).sent).toMatchObject({ announcedAmountFen: 1250 });
    const blank = await submitNotice('  ');
    expect(blank.sent).not.toBeNull();
    expect(blank.sent).not.toHaveProperty('announcedAmountFen');
    const bad = await submitNotice('12.345');
    expect(bad.sent).toBeNull();
    expect(bad.errors.announcedAmountFen).toBe('Enter an amount in yuan, up to two decimals');
  });
});
