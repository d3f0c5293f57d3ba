import { cstDate, cstMinute } from '@domain/deadlines';

/**
 * An instant to the minute on the county's clock, `2026-12-07 02:14`, in either language: the
 * order the console's dates and the platform's documents use ("07/12/2026" reads as July to many).
 */
export function useFormat() {
  return { when: (iso: string) => cstMinute(Date.parse(iso)) };
}

/** The county's calendar day (YYYY-MM-DD), whatever the device's time zone. */
export const countyToday = () => cstDate(Date.now());

/** A date picker's day (YYYY-MM-DD): its calendar is laid out in the browser's own days. */
export const pickerDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** A picker's `disabled-date` for the day something was done: no day after the county's today. */
export const afterCountyToday = (d: Date) => pickerDay(d) > countyToday();

/** The county's calendar year: a browser elsewhere in the world is a day off at new year. */
export const countyYear = () => Number(countyToday().slice(0, 4));

/**
 * A date as it is, or the county's calendar day of an instant (YYYY-MM-DD): an instant's own first
 * ten characters are its UTC day, a day early for anything done before 08:00 in the county.
 */
export const day = (iso: string) => (iso.length <= 10 ? iso : cstDate(Date.parse(iso)));
