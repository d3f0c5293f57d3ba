import { createI18n } from 'vue-i18n';
import en from './locales/en';
import zhCN from './locales/zh-CN';

export type Locale = 'zh-CN' | 'en';
const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('locale') : null;
const initial: Locale = saved === 'en' ? 'en' : 'zh-CN';

export const i18n = createI18n({
  legacy: false,
  locale: initial,
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
});
if (typeof document !== 'undefined') document.documentElement.lang = initial;

export function setLocale(locale: Locale) {
  i18n.global.locale.value = locale;
  localStorage.setItem('locale', locale);
  document.documentElement.lang = locale;
}
