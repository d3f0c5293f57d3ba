import { useI18n } from 'vue-i18n';

/** Dates and times in the UI's language, on the county's clock. */
export function useFormat() {
  const { locale } = useI18n();
  return {
    when: (iso: string) =>
      new Date(iso).toLocaleString(locale.value === 'en' ? 'en-GB' : 'zh-CN', {
        hour12: false,
        timeZone: 'Asia/Shanghai',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }),
  };
}

/** The county's calendar day (YYYY-MM-DD), whatever the device's time zone. */
export const countyToday = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
