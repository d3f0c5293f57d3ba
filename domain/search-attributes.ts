/**
 * Custom search attributes of project workflows. SQLite visibility (the dev server) offers 10
 * Keyword, 3 Int and 3 KeywordList slots among others; this set leaves room for the supervision
 * and complaint workflows of the roadmap.
 */
export const SEARCH_ATTRIBUTES = {
  ProjectStage: 'Keyword',
  ProjectDepartment: 'Keyword',
  ProjectOwnerUnit: 'Keyword',
  ProjectVillages: 'KeywordList',
  ProjectYear: 'Int',
  ProjectOverdue: 'KeywordList',
} as const;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
