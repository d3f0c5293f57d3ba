/** AUDIT_KEY_FILE: every container of a deployment reads the one key; none invents its own. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAuditKey } from '#platform/audit-key.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-key-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('loadAuditKey with AUDIT_KEY_FILE', () => {
  it('reads the key from the file (a trailing newline aside), and two readers get the same', () => {
    const file = path.join(dir, 'secret');
    fs.writeFileSync(file, `${'a1'.repeat(32)}\n`);
    const dataDir = path.join(dir, 'data');
    const one = loadAuditKey({ AUDIT_KEY_FILE: file, dataDir });
    const other = loadAuditKey({ AUDIT_KEY_FILE: file, dataDir: path.join(dir, 'other') });
    expect(one.toString()).toBe('a1'.repeat(32));
    expect(other.equals(one)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'audit.key'))).toBe(false);
  });

  it('refuses a missing or short file instead of generating a key', () => {
    const dataDir = path.join(dir, 'data2');
    expect(() => loadAuditKey({ AUDIT_KEY_FILE: path.join(dir, 'nope'), dataDir })).toThrow(
      /AUDIT_KEY_FILE: cannot read/,
    );
    const short = path.join(dir, 'short');
    fs.writeFileSync(short, 'too-short');
    expect(() => loadAuditKey({ AUDIT_KEY_FILE: short, dataDir })).toThrow(/fewer than 32/);
    expect(fs.existsSync(path.join(dataDir, 'audit.key'))).toBe(false);
  });
});
