import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import { ACTION_LABELS, STAGE_LABELS, type Action, type Stage } from '@domain/lifecycle';
import type { FundSourceKind } from '@domain/schemas';

/**
 * Stage and action labels live in the domain (one definition for api, console and reports), in both
 * languages; fund sources, natures and methods come from the locale files (the domain holds them in
 * Chinese only, and importing them would pull the contract's zod code into every page).
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
  };
}
