/** `npm run reconcile` as an operator runs it, against the given servers: exit code, output, time. */
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '#platform/temporal-cli.js';

export function reconcileCli(
  env: { DATABASE_URL: string; TEMPORAL_ADDRESS: string; TEMPORAL_TASK_QUEUE: string },
  args: string[] = [],
): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/reconcile.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out, ms: Math.round(performance.now() - t0) }));
  });
}
