/**
 * Finds the Temporal CLI (which carries the dev server): TEMPORAL_CLI_PATH, then the project's
 * cached build in .tools/bin, then `temporal` on PATH; else builds it once from the Go module
 * proxy into .tools/bin. v1.5.1 is the newest tag `go install` accepts (later ones use `replace`).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './log.js';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TOOLS_BIN = path.join(PROJECT_ROOT, '.tools', 'bin');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function findTemporalCli(explicit = process.env.TEMPORAL_CLI_PATH): string | undefined {
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const cached = path.join(TOOLS_BIN, 'temporal');
  if (isExecutable(cached)) return cached;
  return onPath('temporal');
}

export async function ensureTemporalCli(log: Logger, explicit?: string): Promise<string> {
  const found = findTemporalCli(explicit ?? process.env.TEMPORAL_CLI_PATH);
  if (found) return found;
  const go = onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      'the Temporal CLI was not found (TEMPORAL_CLI_PATH, .tools/bin/temporal, PATH) and Go is not installed to build it; ' +
        'install Go ≥ 1.25, or set TEMPORAL_ADDRESS to use an existing Temporal server',
    );
  }
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  log.info(
    `building the Temporal CLI once with \`go install ${TEMPORAL_CLI_MODULE}\` into .tools/bin (takes a few minutes the first time)…`,
  );
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: TOOLS_BIN, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const ticker = setInterval(
      () => log.info(`  still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)…`),
      30_000,
    );
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go install ${TEMPORAL_CLI_MODULE} failed with exit code ${code}`));
    });
  });
  const built = path.join(TOOLS_BIN, 'temporal');
  const check = spawnSync(built, ['--version'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`the built Temporal CLI does not run: ${check.stderr}`);
  log.info(`Temporal CLI ready: ${check.stdout.trim()} (${Math.round((Date.now() - started) / 1000)} s)`);
  return built;
}
