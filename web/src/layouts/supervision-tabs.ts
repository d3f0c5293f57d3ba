/**
 * The tabs of the 监督 section, in order: each area of the supervision office's work adds its own
 * list page here (the route name of the list, the locale key of its label).
 */
export const SUPERVISION_TABS: { route: string; label: string }[] = [
  { route: 'rectifications', label: 'rect.title' },
];
