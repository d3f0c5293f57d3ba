import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import { setRestrictionHandler } from './api/client';
import { useSessionStore } from './stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** What the breadcrumbs call the page, where it is not a 详情 (layout.crumbs). */
    crumb?: 'new' | 'edit' | 'answer' | 'field';
    /** The route's :id is a project's code, which the breadcrumbs show in place of 详情. */
    projectCrumb?: true;
  }
}

/** Every page is its own chunk: the first load carries only the shell. */
const bulletin = {
  notices: () => import('./pages/bulletin/NoticeListPage.vue'),
  notice: () => import('./pages/bulletin/NoticePage.vue'),
  noticeForm: () => import('./pages/bulletin/NoticeFormPage.vue'),
  policies: () => import('./pages/bulletin/PolicyListPage.vue'),
  policy: () => import('./pages/bulletin/PolicyPage.vue'),
  policyForm: () => import('./pages/bulletin/PolicyFormPage.vue'),
  threads: () => import('./pages/bulletin/ThreadListPage.vue'),
  thread: () => import('./pages/bulletin/ThreadPage.vue'),
  threadForm: () => import('./pages/bulletin/ThreadFormPage.vue'),
};

/** The supervision office's other pages: talks, flags, the negative list, a unit's year, red flags, the ranking and the circular. */
const supervisionPages = {
  list: () => import('./pages/supervision/TalkListPage.vue'),
  form: () => import('./pages/supervision/TalkFormPage.vue'),
  talk: () => import('./pages/supervision/TalkPage.vue'),
  flags: () => import('./pages/supervision/InterviewFlagsPage.vue'),
  negative: () => import('./pages/supervision/NegativeListPage.vue'),
  assessment: () => import('./pages/supervision/AnnualAssessmentPage.vue'),
  redFlags: () => import('./pages/supervision/RedFlagsPage.vue'),
  ranking: () => import('./pages/supervision/RankingPage.vue'),
  circulars: () => import('./pages/supervision/CircularListPage.vue'),
  circular: () => import('./pages/supervision/CircularPage.vue'),
};
/** 监督: rectification notices (docs/supervision.md); the api decides who sees which notice. */
const supervision = {
  layout: () => import('./layouts/SupervisionLayout.vue'),
  rectifications: () => import('./pages/supervision/RectificationListPage.vue'),
  rectificationForm: () => import('./pages/supervision/RectificationFormPage.vue'),
  rectification: () => import('./pages/supervision/RectificationPage.vue'),
  rectificationAnswer: () => import('./pages/supervision/RectificationAnswerPage.vue'),
  complaints: () => import('./pages/supervision/ComplaintListPage.vue'),
  complaint: () => import('./pages/supervision/ComplaintPage.vue'),
};

/** The page that lifts each restriction (a restricted session may do nothing else). */
const RESTRICTION_PAGE = { passwordChange: 'password-change', totpSetup: 'totp-setup' } as const;

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    {
      path: '/login',
      name: 'login',
      component: () => import('./pages/LoginPage.vue'),
      meta: { public: true },
    },
    {
      path: '/password-change',
      name: 'password-change',
      component: () => import('./pages/ForcedPasswordPage.vue'),
      meta: { restriction: 'passwordChange' },
    },
    {
      path: '/totp-setup',
      name: 'totp-setup',
      component: () => import('./pages/TotpSetupPage.vue'),
      meta: { restriction: 'totpSetup' },
    },
    {
      path: '/',
      component: () => import('./layouts/MainLayout.vue'),
      children: [
        { path: '', name: 'dashboard', component: () => import('./pages/DashboardPage.vue') },
        { path: 'projects', name: 'projects', component: () => import('./pages/ProjectListPage.vue') },
        // 统计分析: every account reads the figures of its own scope (the api decides which).
        { path: 'statistics', name: 'statistics', component: () => import('./pages/StatisticsPage.vue') },
        { path: 'ledgers', name: 'ledgers', component: () => import('./pages/LedgersPage.vue') },
        {
          path: 'projects/:id',
          name: 'project',
          component: () => import('./pages/ProjectPage.vue'),
          props: true,
          meta: { projectCrumb: true },
        },
        {
          // On-site flows for a phone: supervision visit with photos, public notice, monthly progress.
          path: 'projects/:id/field',
          name: 'project-field',
          component: () => import('./pages/FieldPage.vue'),
          props: true,
          meta: { crumb: 'field', projectCrumb: true },
        },
        { path: 'account', name: 'account', component: () => import('./pages/AccountPage.vue') },
        { path: 'inbox', name: 'inbox', component: () => import('./pages/InboxPage.vue') },
        // 通知公告, 政策法规, 网络寻呼 (docs/bulletin.md); the forms' own rights are the api's to enforce.
        { path: 'notices', name: 'notices', component: bulletin.notices },
        { path: 'notices/new', name: 'notice-new', component: bulletin.noticeForm, meta: { crumb: 'new' } },
        { path: 'notices/:id', name: 'notice', component: bulletin.notice, props: true },
        { path: 'policies', name: 'policies', component: bulletin.policies },
        { path: 'policies/new', name: 'policy-new', component: bulletin.policyForm, meta: { crumb: 'new' } },
        { path: 'policies/:id', name: 'policy', component: bulletin.policy, props: true },
        {
          path: 'policies/:id/edit',
          name: 'policy-edit',
          component: bulletin.policyForm,
          props: true,
          meta: { crumb: 'edit' },
        },
        { path: 'messages', name: 'messages', component: bulletin.threads },
        { path: 'messages/new', name: 'thread-new', component: bulletin.threadForm, meta: { crumb: 'new' } },
        { path: 'messages/:id', name: 'thread', component: bulletin.thread, props: true },
        {
          path: 'supervision',
          component: supervision.layout,
          children: [
            { path: '', name: 'supervision', redirect: { name: 'rectifications' } },
            { path: 'rectifications', name: 'rectifications', component: supervision.rectifications },
            {
              path: 'rectifications/new',
              name: 'rectification-new',
              component: supervision.rectificationForm,
              meta: { crumb: 'new' },
            },
            {
              path: 'rectifications/:id',
              name: 'rectification',
              component: supervision.rectification,
              props: true,
            },
            {
              // The unit's answer, laid out for a phone with its camera.
              path: 'rectifications/:id/answer',
              name: 'rectification-answer',
              component: supervision.rectificationAnswer,
              props: true,
              meta: { crumb: 'answer' },
            },
            // 监督举报 (docs/complaints.md): the office every complaint, a unit those assigned to it.
            { path: 'complaints', name: 'complaints', component: supervision.complaints },
            { path: 'complaints/:id', name: 'complaint', component: supervision.complaint, props: true },
            // Talks, flags, the negative list and a unit's year; every account reads what is in its scope.
            { path: 'talks', name: 'talks', component: supervisionPages.list },
            { path: 'talks/new', name: 'talk-new', component: supervisionPages.form, meta: { crumb: 'new' } },
            { path: 'talks/:id', name: 'talk', component: supervisionPages.talk, props: true },
            { path: 'talk-flags', name: 'talk-flags', component: supervisionPages.flags },
            { path: 'negative-list', name: 'negative-list', component: supervisionPages.negative },
            { path: 'assessment', name: 'annual-assessment', component: supervisionPages.assessment },
            { path: 'red-flags', name: 'red-flags', component: supervisionPages.redFlags },
            // 月度考核排名: county-wide accounts; the api refuses anyone else.
            { path: 'ranking', name: 'supervision-ranking', component: supervisionPages.ranking },
            // 月通报: every account reads the published ones; the api decides the rest.
            { path: 'circulars', name: 'circulars', component: supervisionPages.circulars },
            { path: 'circulars/:id', name: 'circular', component: supervisionPages.circular, props: true },
          ],
        },
        {
          path: 'admin',
          component: () => import('./layouts/AdminLayout.vue'),
          meta: { admin: true },
          children: [
            { path: '', name: 'admin', redirect: { name: 'admin-users' } },
            {
              path: 'users',
              name: 'admin-users',
              component: () => import('./pages/admin/AdminUsersPage.vue'),
            },
            {
              path: 'org-units',
              name: 'admin-orgs',
              component: () => import('./pages/admin/AdminOrgsPage.vue'),
            },
            {
              path: 'notification-deliveries',
              name: 'admin-deliveries',
              component: () => import('./pages/admin/AdminDeliveriesPage.vue'),
            },
            {
              path: 'notification-channels',
              name: 'admin-channels',
              component: () => import('./pages/admin/AdminChannelsPage.vue'),
            },
            {
              path: 'notification-templates',
              name: 'admin-templates',
              component: () => import('./pages/admin/AdminTemplatesPage.vue'),
            },
          ],
        },
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach(async (to): Promise<boolean | RouteLocationRaw> => {
  if (to.meta.public) return true;
  const session = useSessionStore();
  if (!session.checked) await session.load();
  if (!session.me) return { name: 'login', query: { next: to.fullPath } };
  // A restricted session goes straight to the page that lifts the restriction, and stays there.
  const restriction = session.me.restriction;
  if (restriction) {
    const page = RESTRICTION_PAGE[restriction];
    if (to.name === page) return true;
    const next = typeof to.query.next === 'string' ? to.query.next : to.fullPath;
    return { name: page, query: next && next !== '/' ? { next } : {} };
  }
  if (to.meta.restriction) return safeNext(to.query.next);
  if (to.matched.some((r) => r.meta.admin) && !session.isAdmin) return { name: 'dashboard' };
  return true;
});

/** Where to go after login or after lifting a restriction: only a path within the console. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

// An api call refused for a pending restriction (the session changed meanwhile): reload and follow.
setRestrictionHandler(() => {
  const session = useSessionStore();
  void session.load().then(() => router.replace({ path: router.currentRoute.value.fullPath, force: true }));
});

/**
 * Each page's URL as it was last shown, filters and page with it: a breadcrumb or a 返回 button
 * leads back to a list as it was left (page 2 of the 整改中 projects, say), not to its first page
 * unfiltered. Forgotten at the login page, so the next account starts afresh.
 */
const lastShown = new Map<string, string>();
router.afterEach((to, _from, failure) => {
  if (failure) return;
  if (to.name === 'login') lastShown.clear();
  else lastShown.set(to.path, to.fullPath);
});

/** Where a link back to `to` leads: the page as it was last shown, or as `to` names it. */
export function asLeft(to: RouteLocationRaw): string {
  const { path, fullPath } = router.resolve(to);
  return lastShown.get(path) ?? fullPath;
}
