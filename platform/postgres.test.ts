import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertReachable } from './postgres.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Whom PostgreSQL runs as: the `postgres` user under root (the launcher's rule), else ourselves. */
function pgUser(): { uid: number; gid: number } {
  if (process.getuid?.() !== 0) return { uid: process.getuid!(), gid: process.getgid!() };
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

describe('the data directory PostgreSQL must reach', () => {
  it('is refused, with what to do, when the server user cannot enter it; accepted once it can', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-reach-'));
    made.push(dir);
    // Closed to everyone but root (and, as root, closed to the postgres user as mktemp -d leaves it).
    fs.chmodSync(dir, process.getuid?.() === 0 ? 0o700 : 0o000);
    expect(() => assertReachable(dir, pgUser())).toThrow(/cannot enter .*chmod 755/);
    fs.chmodSync(dir, 0o755);
    expect(() => assertReachable(dir, pgUser())).not.toThrow();
  });
});
