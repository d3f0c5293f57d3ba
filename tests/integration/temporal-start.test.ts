/**
 * Starting the Temporal dev server where other stacks start too: one that dies while starting on
 * ports it chose (taken between being found free and being bound) is started again on fresh ones,
 * and one that keeps dying is refused with its reason, the first line of its output, not only the
 * end of a Go stack. A script in front of the real CLI plays the dying server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTemporalCli } from '#platform/temporal-cli.js';
import { createLogger } from '#platform/log.js';
import { startTemporalDevServer } from '#platform/temporal-server.js';

const log = createLogger('temporal-start-test', 'error');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A CLI that dies as a Go server does on a taken port, `times` times, then is the real one. */
async function dyingCli(name: string, times: number): Promise<{ cli: string; deaths: () => number }> {
  const real = await ensureTemporalCli(log);
  const count = path.join(dir, `${name}.count`);
  const cli = path.join(dir, name);
  fs.writeFileSync(
    cli,
    `#!/bin/sh
n=$(cat '${count}' 2>/dev/null || echo 0)
if [ "$n" -lt ${times} ]; then
  echo $((n + 1)) > '${count}'
  echo 'panic: listen tcp 127.0.0.1:7233: bind: address already in use' >&2
  i=0; while [ $i -lt 30 ]; do echo "goroutine 1 [running]: frame $i" >&2; i=$((i + 1)); done
  exit 2
fi
exec '${real}' "$@"
`,
    { mode: 0o755 },
  );
  return { cli, deaths: () => Number(fs.existsSync(count) ? fs.readFileSync(count, 'utf8') : 0) };
}

describe('starting the Temporal dev server', () => {
  it('starts it again on other ports when it dies while starting', async () => {
    const { cli, deaths } = await dyingCli('dies-once', 1);
    const server = await startTemporalDevServer({ cli, log, namespace: 'default' });
    try {
      expect(deaths()).toBe(1);
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await server.stop();
    }
  });

  it('gives up after three deaths, naming the reason the server printed first', async () => {
    const { cli, deaths } = await dyingCli('dies-always', 99);
    await expect(startTemporalDevServer({ cli, log, namespace: 'default' })).rejects.toThrow(
      /exited \(2\): panic: listen tcp 127\.0\.0\.1:7233: bind: address already in use \|.*… \d+ lines …/,
    );
    expect(deaths()).toBe(3);
  });
});
