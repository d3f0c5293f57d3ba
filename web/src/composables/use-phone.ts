import { onBeforeUnmount, ref } from 'vue';

/** True on a phone-sized screen (below 768 px), kept up to date as the window changes. */
export function usePhone() {
  const query = window.matchMedia('(max-width: 767px)');
  const phone = ref(query.matches);
  const update = (e: MediaQueryListEvent) => (phone.value = e.matches);
  query.addEventListener('change', update);
  onBeforeUnmount(() => query.removeEventListener('change', update));
  return phone;
}
