/**
 * The fields of a list's search form (SearchForm.vue), as data: each list page says which filters
 * it has, in words already translated; the form lays them out the same way on every page.
 */
export type SearchValues = Record<string, string | undefined>;
export interface SearchOption {
  value: string;
  label: string;
}
export interface SearchField {
  /** The filter's name in the URL and in the api's query. */
  key: string;
  kind: 'text' | 'select';
  label: string;
  /** What an empty field means (全部状态) or what to type (项目名称或编号). */
  placeholder: string;
  /** A select's choices; a function of the form's values when they depend on another field. */
  options?: SearchOption[] | ((form: SearchValues) => SearchOption[]);
  filterable?: boolean;
  /** A wider select, for long choices (资金来源, 排序). */
  wide?: boolean;
  maxlength?: number;
  /** Shown only while it makes sense (the order once a sort is chosen). */
  shown?: (form: SearchValues) => boolean;
}

type More = Partial<Pick<SearchField, 'filterable' | 'wide' | 'maxlength' | 'shown'>>;

export const textField = (key: string, label: string, placeholder: string, more: More = {}): SearchField => ({
  key,
  kind: 'text',
  label,
  placeholder,
  ...more,
});

export const selectField = (
  key: string,
  label: string,
  placeholder: string,
  options: SearchField['options'],
  more: More = {},
): SearchField => ({ key, kind: 'select', label, placeholder, options, ...more });

/** Choices from a fixed list of values, each labelled by `label`. */
export const choices = <T extends string>(values: readonly T[], label: (v: T) => string): SearchOption[] =>
  values.map((value) => ({ value, label: label(value) }));

/** Units as choices: the code is sent, the name shown. */
export const unitChoices = (units: readonly { code: string; name: string }[]): SearchOption[] =>
  units.map((u) => ({ value: u.code, label: u.name }));

/** This year and the `n - 1` before it (and `ahead` years after), newest first. */
export function yearChoices(n: number, thisYear: number, ahead = 0): SearchOption[] {
  return Array.from({ length: n + ahead }, (_, i) => String(thisYear + ahead - i)).map((y) => ({
    value: y,
    label: y,
  }));
}
