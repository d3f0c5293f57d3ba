import { describe, expect, it } from 'vitest';
import { defaultBackupName } from '../../scripts/lib/backup/manifest.js';

describe('defaultBackupName', () => {
  it('names a backup by the county clock, so a night backup carries its own day', () => {
    // 01:00 on 9 December in the county is 17:00 on the 8th in UTC.
    expect(defaultBackupName(Date.parse('2026-12-08T17:00:00Z'))).toBe('sanzhang-2026-12-09_01-00-00+0800');
    expect(defaultBackupName(Date.parse('2026-12-31T16:30:05.250Z'))).toBe(
      'sanzhang-2027-01-01_00-30-05+0800',
    );
  });

  it('gives names that sort as their times do, without characters a file system refuses', () => {
    const names = [0, 59_000, 3_600_000, 86_400_000].map((d) =>
      defaultBackupName(Date.parse('2026-06-30T15:59:30Z') + d),
    );
    expect([...names].sort()).toEqual(names);
    for (const n of names) expect(n).toMatch(/^sanzhang-[0-9_+-]+$/);
  });
});
