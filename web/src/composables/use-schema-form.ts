/**
 * The mechanics the step forms and the ledger forms share: the shared zod schema checks the body
 * first (its messages in the UI's language, a blank field said as "required"), then the api's 422
 * details land beside their fields, and any other refusal above the form.
 */
import { ref, watch } from 'vue';
import { useI18n } from 'vue-i18n';
import type { ZodType } from 'zod';
import { parseYuan } from '@domain/money';
import { parseIn } from '@domain/parse-in';
import { ApiError } from '../api/client';

export interface SchemaFormOptions {
  /**
   * How a field is named from a path: `full` joins every segment (documents.0.title), `first`
   * keeps the top-level field only.
   */
  keys: 'full' | 'first';
  /** Server details for other names are not shown beside a field (they stay in the form error). */
  knows?: (key: string) => boolean;
  /**
   * The form's values, by the same names as its errors: a field's error goes as soon as the field
   * is filled (and the summary above the form with the last of them), instead of staying red until
   * the next submit. The error described what was there when it was sent.
   */
  values?: object;
}

/** The value under an error's name: a flat key first (`plannedDates.start`), else the path. */
function valueAt(values: object, key: string): { found: boolean; value?: unknown } {
  if (key in values) return { found: true, value: (values as Record<string, unknown>)[key] };
  let v: unknown = values;
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object' || !(part in v)) return { found: false };
    v = (v as Record<string, unknown>)[part];
  }
  return { found: true, value: v };
}
const filled = (v: unknown) =>
  v !== undefined &&
  v !== null &&
  (typeof v !== 'string' || v.trim() !== '') &&
  !(Array.isArray(v) && !v.length);

export function useSchemaForm(opts: SchemaFormOptions) {
  const { t, locale } = useI18n();

  const errors = ref<Record<string, string>>({});
  const formError = ref('');
  const busy = ref(false);
  const keyOf = (segments: string[]) => (opts.keys === 'first' ? (segments[0] ?? '') : segments.join('.'));

  /** The schema's verdict, in words for a person: a blank field is "required", not "expected string". */
  function friendly(issue: { code: string; path: PropertyKey[]; message: string }, body: unknown): string {
    let v: unknown = body;
    for (const p of issue.path) v = (v as Record<PropertyKey, unknown> | undefined)?.[p];
    if (issue.code === 'invalid_type' && v === undefined) return t('form.required');
    if (issue.code === 'invalid_value') return t('form.choose');
    // Nothing typed breaks whatever rule the field has (a length, a code's pattern): the person is
    // told it is needed, not the rule.
    if (typeof v === 'string' && v.trim() === '') return t('form.required');
    if (issue.code === 'too_small' && Array.isArray(v) && v.length === 0) return t('form.required');
    return issue.message;
  }

  /**
   * Money typed in 元 becomes integer 分 by string arithmetic (parseYuan), never a float: sets
   * `body[key]`, or a problem for the field; a blank field is left out.
   */
  function putYuan(body: Record<string, unknown>, problems: Record<string, string>, key: string, v: unknown) {
    const text = typeof v === 'string' ? v.trim() : '';
    if (!text) return;
    const fen = parseYuan(text);
    if (fen === null) problems[key] = t('form.notMoney');
    else body[key] = fen;
  }

  /**
   * Checks `body` against `schema` (adding to the `problems` the form found itself) and, when all
   * is well, sends the parsed body (the schema's own normalisation is what is sent).
   */
  async function submit<T>(
    schema: ZodType<T>,
    built: { body: unknown; problems: Record<string, string> },
    send: (data: T) => Promise<void>,
  ): Promise<void> {
    errors.value = {};
    formError.value = '';
    const { body, problems } = built;
    // The shared schema's messages, its own pairs included, in the UI's language, as the api says them.
    const parsed = parseIn(schema, body, locale.value === 'en' ? 'en' : 'zh-CN');
    if (!parsed.success) {
      for (const issue of parsed.issues) problems[keyOf(issue.path.map(String))] ??= friendly(issue, body);
    }
    if (Object.keys(problems).length || !parsed.success) {
      errors.value = problems;
      formError.value = t('form.invalid');
      return;
    }
    busy.value = true;
    try {
      await send(parsed.data);
    } catch (err) {
      if (err instanceof ApiError) {
        // 422 names the fields (body.x.y): each message beside its field; 403/404/409 carry a message.
        const byField: Record<string, string> = {};
        for (const d of err.details ?? []) {
          const key = keyOf(d.path.replace(/^body\.?/, '').split('.'));
          if (!opts.knows || opts.knows(key)) byField[key] ??= d.message;
        }
        errors.value = byField;
        formError.value = err.message;
      } else formError.value = err instanceof Error ? err.message : t('errors.generic');
    } finally {
      busy.value = false;
    }
  }

  const values = opts.values;
  if (values)
    watch(
      () => values,
      () => {
        const left = Object.fromEntries(
          Object.entries(errors.value).filter(([key]) => {
            const at = valueAt(values, key);
            return !at.found || !filled(at.value);
          }),
        );
        if (Object.keys(left).length === Object.keys(errors.value).length) return;
        errors.value = left;
        if (!Object.keys(left).length) formError.value = '';
      },
      { deep: true },
    );

  const errorOf = (key: string) => errors.value[key] ?? '';
  return { errors, formError, busy, errorOf, putYuan, submit };
}
