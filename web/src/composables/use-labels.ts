import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import { DEADLINE_LABELS, type DeadlineKind } from '@domain/deadlines';
import { ACTION_LABELS, STAGE_LABELS, type Action, type Stage } from '@domain/lifecycle';
import type { FundSourceKind } from '@domain/schemas';
import zhCN from '../locales/zh-CN';

/**
 * Every name in the page's language: stages and actions from the domain's labels, fund sources,
 * natures and methods through the locale files (which take them from the domain in both languages).
 */
export function useLabels() {
  const { t, locale } = useI18n();
  const lang = computed(() => (locale.value === 'en' ? 'en' : 'zh'));
  return {
    stage: (s: Stage) => STAGE_LABELS[s][lang.value],
    action: (a: string) =>
      a in ACTION_LABELS ? ACTION_LABELS[a as Action][lang.value] : a === 'create' ? t('project.created') : a,
    fundSource: (k: FundSourceKind) => t(`fundSources.${k}`),
    nature: (n: string) => t(`natures.${n}`),
    method: (m: string) => t(`methods.${m}`),
    /**
     * A name the server wrote in Chinese (the detail table is a Chinese document, its PDF and
     * workbook too) in the page's language; a name it does not know stays as written.
     */
    fromChinese: (group: 'natures' | 'methods' | 'fundSources', zh: string) => {
      const key = Object.entries(zhCN[group] as Record<string, string>).find(([, v]) => v === zh)?.[0];
      return key ? t(`${group}.${key}`) : zh;
    },
    /**
     * Why a 约谈 flag or a negative-list entry was raised: from the deadline of the ladder that
     * raised it (a project's, or a rectification notice's problems'), in the page's language (in
     * Chinese, the words a ladder files); otherwise the reason as it was written.
     */
    reasonOf: (x: {
      reason: string;
      ladder: { kind: DeadlineKind; period: string; dueDate: string; daysLate: number } | null;
      noticeLadder: { serial: string; problems: number[]; dueDate: string; daysLate: number } | null;
    }) =>
      x.ladder
        ? t('talks.ladderReason', {
            kind: DEADLINE_LABELS[x.ladder.kind][lang.value],
            period: x.ladder.period ? t('talks.ladderPeriod', { period: x.ladder.period }) : '',
            due: x.ladder.dueDate,
            n: x.ladder.daysLate,
          })
        : x.noticeLadder
          ? t('talks.noticeReason', {
              serial: x.noticeLadder.serial,
              problems: t('talks.noticeProblems', {
                list: x.noticeLadder.problems
                  .map((seq) => t('talks.noticeProblem', { seq }))
                  .join(t('talks.noticeJoin')),
                n: x.noticeLadder.problems.length,
              }),
              due: x.noticeLadder.dueDate,
              n: x.noticeLadder.daysLate,
            })
          : x.reason,
  };
}
