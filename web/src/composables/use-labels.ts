import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import { ACTION_LABELS, STAGE_LABELS, type Action, type Stage } from '@domain/lifecycle';
import { FUND_SOURCE_LABELS, type FundSourceKind } from '@domain/schemas';

/** Labels that live in the domain (one definition for api, console and reports), in the UI's language. */
export function useLabels() {
  const { locale } = useI18n();
  const lang = computed(() => (locale.value === 'en' ? 'en' : 'zh'));
  return {
    stage: (s: Stage) => STAGE_LABELS[s][lang.value],
    action: (a: Action | 'create') =>
      a === 'create' ? (lang.value === 'en' ? 'Registered' : '立项登记') : ACTION_LABELS[a][lang.value],
    fundSource: (k: FundSourceKind) => FUND_SOURCE_LABELS[k],
  };
}
