/** The tabs of 系统管理, in order (the route name of each page, the locale key of its label). */
export const ADMIN_TABS: { route: string; label: string }[] = [
  { route: 'admin-users', label: 'admin.users.title' },
  { route: 'admin-orgs', label: 'admin.orgs.title' },
  { route: 'admin-deliveries', label: 'notify.deliveries.tab' },
  { route: 'admin-channels', label: 'notify.channelsPage.tab' },
  { route: 'admin-templates', label: 'notify.templates.tab' },
];
