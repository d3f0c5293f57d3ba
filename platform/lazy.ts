/**
 * `lazy(load)`: a function that runs `load` on its first call and gives every later caller the same
 * promise. It is for libraries that only some requests use (document renderers, SMS vendors'
 * SDKs). A static import of one costs its load time in every process that imports the module, on
 * every start, even when the process never uses it.
 * A failed load is not kept, so the next call tries again.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
}
