/** docker-compose.yml and the Dockerfile describe the production-like deployment the README promises. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

describe('docker-compose.yml', () => {
  // Compose resolves YAML merge keys (<<); so must we.
  const compose = parse(fs.readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true });

  it('names postgres, temporal (on that postgres), temporal-ui, api and worker', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'api', 'worker']),
    );
    const t = compose.services.temporal;
    expect(t.environment.DB).toBe('postgres12');
    expect(t.environment.POSTGRES_SEEDS).toBe('postgres');
    expect(Object.keys(t.depends_on)).toContain('postgres');
    expect(compose.services['temporal-ui'].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('runs api and worker from our image, against that postgres and temporal, after migrations', () => {
    for (const name of ['api', 'worker']) {
      const s = compose.services[name];
      expect(s.build, name).toBe('.');
      expect(s.environment.DATABASE_URL, name).toMatch(/@postgres:5432\//);
      expect(s.environment.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
      expect(s.depends_on.migrate.condition, name).toBe('service_completed_successfully');
    }
    expect(compose.services.worker.command.join(' ')).toContain('worker/main.ts');
    expect(compose.services.api.command.join(' ')).toContain('api/src/main.ts');
  });

  it('points each service command at a file that exists', () => {
    for (const s of Object.values<any>(compose.services)) {
      const file = (s.command ?? []).find((a: string) => a.endsWith('.ts'));
      if (file) expect(fs.existsSync(root(file)), file).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(root('Dockerfile'), 'utf8');
  it('builds on a glibc base (the Temporal core bridge does not load on musl)', () => {
    const bases = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(bases.length).toBeGreaterThan(0);
    for (const b of bases.filter((b) => b.includes(':'))) expect(b).not.toMatch(/alpine|musl/);
  });
  it('copies every runtime folder', () => {
    for (const dir of ['domain', 'db', 'workflows', 'activities', 'worker', 'api', 'platform'])
      expect(text).toContain(`COPY ${dir} ./${dir}`);
  });
});
