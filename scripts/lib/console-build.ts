/**
 * The console build `npm start` serves (web/dist): made by the launcher when it is missing or
 * older than its sources, and by the launcher tests before they start their stacks (on a clean
 * clone a whole Vite build inside a test's time limit was too much).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dirs: string[], skip: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (skip.includes(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return newest;
}

export async function buildConsoleIfStale(onBuild?: () => void): Promise<void> {
  const dist = path.join(ROOT, 'web/dist/index.html');
  const builtAt = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : 0;
  const sources = newestMtime([path.join(ROOT, 'web'), path.join(ROOT, 'domain')], ['dist', 'node_modules']);
  if (builtAt >= sources) return;
  onBuild?.();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/vite.config.ts',
        '--logLevel',
        'warn',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`console build failed (exit ${code})`)),
    );
  });
}
