/**
 * The tabs of the 监督 section, in order: each area of the supervision office's work adds its own
 * list page here (the route name of the list, the locale key of its label).
 */
export const SUPERVISION_TABS: { route: string; label: string }[] = [
  { route: 'rectifications', label: 'rect.title' },
  { route: 'complaints', label: 'complaints.title' },
  { route: 'red-flags', label: 'nav.redFlags' },
  { route: 'talk-flags', label: 'talks.nav.flags' },
  { route: 'talks', label: 'talks.nav.talks' },
  { route: 'negative-list', label: 'talks.nav.negative' },
  { route: 'supervision-ranking', label: 'nav.ranking' },
  { route: 'circulars', label: 'nav.circulars' },
  { route: 'annual-assessment', label: 'talks.nav.assessment' },
];
