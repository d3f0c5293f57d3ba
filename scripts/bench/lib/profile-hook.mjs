/* global process, console */
/**
 * Loaded with `--import` into the benchmark's child processes (BENCH_CHILD_PROFILES=dir): CPU
 * profiles of exactly the window the benchmark asks for, in every thread of the process, so a
 * profile shows the timed steps and not start-up, bundling or seeding. Plain JavaScript: worker
 * threads (the worker's workflow thread) inherit the `--import` but not tsx's loader.
 *
 * The benchmark sends `{ type: 'bench-profile', action: 'start' | 'stop', label }` over IPC; the
 * main thread passes it on to its worker threads on a BroadcastChannel. Each thread writes
 * `<dir>/<BENCH_CHILD_NAME>-<label>-<thread>.cpuprofile` when told to stop.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.BENCH_CHILD_PROFILES;
const name = (process.env.BENCH_CHILD_NAME ?? `pid${process.pid}`).replace(/[^\w.-]+/g, '-');
if (dir) {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  let running = post('Profiler.enable');
  const handle = (m) => {
    running = running.then(async () => {
      if (m.action === 'start') return post('Profiler.start');
      const { profile } = await post('Profiler.stop');
      const thread = isMainThread ? 'main' : `thread${threadId}`;
      fs.writeFileSync(path.join(dir, `${name}-${m.label}-${thread}.cpuprofile`), JSON.stringify(profile));
    });
    running.catch((err) => console.error(`[profile-hook] ${String(err)}`));
  };
  const channel = new BroadcastChannel('bench-profile');
  channel.unref();
  if (isMainThread) {
    process.on('message', (m) => {
      if (m?.type !== 'bench-profile') return;
      channel.postMessage(m);
      handle(m);
    });
  } else {
    channel.onmessage = (e) => handle(e.data);
  }
}
