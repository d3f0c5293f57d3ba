import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from './stores/session';

/** Every page is its own chunk: the first load carries only the shell. */
const placeholder = () => import('./pages/PlaceholderPage.vue');

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
      path: '/',
      component: () => import('./layouts/MainLayout.vue'),
      children: [
        { path: '', name: 'dashboard', component: () => import('./pages/DashboardPage.vue') },
        { path: 'projects', name: 'projects', component: () => import('./pages/ProjectListPage.vue') },
        {
          path: 'projects/:id',
          name: 'project',
          component: () => import('./pages/ProjectPage.vue'),
          props: true,
        },
        // Filled in as their issues land (notices, policies, messages, administration).
        { path: 'notices', name: 'notices', component: placeholder, props: { feature: 'nav.notices' } },
        { path: 'policies', name: 'policies', component: placeholder, props: { feature: 'nav.policies' } },
        { path: 'messages', name: 'messages', component: placeholder, props: { feature: 'nav.messages' } },
        { path: 'admin', name: 'admin', component: placeholder, props: { feature: 'nav.admin' } },
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const session = useSessionStore();
  if (!session.checked) await session.load();
  if (!session.me) return { name: 'login', query: { next: to.fullPath } };
  return true;
});
