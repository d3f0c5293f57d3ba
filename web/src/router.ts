import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from './stores/session';

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
        { path: '', redirect: '/projects' },
        { path: 'projects', name: 'projects', component: () => import('./pages/ProjectListPage.vue') },
        {
          path: 'projects/:id',
          name: 'project',
          component: () => import('./pages/ProjectPage.vue'),
          props: true,
        },
      ],
    },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const session = useSessionStore();
  if (!session.checked) await session.load();
  if (!session.me) return { name: 'login', query: { next: to.fullPath } };
  return true;
});
