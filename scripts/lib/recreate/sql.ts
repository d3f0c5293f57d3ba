/** A PostgreSQL array literal of text values, for `= ANY(?::text[])` (quotes and backslashes escaped). */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;
}
