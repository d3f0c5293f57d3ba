/**
 * Custom search attributes of project workflows. SQLite visibility (the dev server) offers 10
 * Keyword, 3 Int and 3 KeywordList slots among others. This set takes 3 of 10 Keyword, 1 of 3 Int
 * and all 3 KeywordList slots (villages, their townships, overdue kinds): the supervision and
 * complaint workflows of the roadmap have 7 Keyword, 2 Int and the Bool/Datetime/Double slots left.
 */
export const SEARCH_ATTRIBUTES = {
  ProjectStage: 'Keyword',
  ProjectDepartment: 'Keyword',
  ProjectOwnerUnit: 'Keyword',
  ProjectVillages: 'KeywordList',
  /** Townships the site villages lie in (the owner unit may be a department). */
  ProjectTownships: 'KeywordList',
  ProjectYear: 'Int',
  ProjectOverdue: 'KeywordList',
} as const;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
