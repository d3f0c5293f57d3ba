import { cstDate } from '@domain/deadlines';
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
export const countyToday = () => cstDate(Date.now());

/**
 * A date as it is, or the county's calendar day of an instant (YYYY-MM-DD): an instant's own first
 * ten characters are its UTC day, a day early for anything done before 08:00 in the county.
 */
export const day = (iso: string) => (iso.length <= 10 ? iso : cstDate(Date.parse(iso)));
