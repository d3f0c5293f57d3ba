/** docker-compose.yml and the Dockerfile describe the production-like deployment docs/operations.md describes. */
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
    // Its schemas set up first, in that postgres (deploy/temporal; platform/temporal-postgres.test.ts).
    expect(t.environment.POSTGRES_SEEDS).toBe('postgres');
    expect(Object.keys(t.depends_on)).toContain('temporal-schema');
    const schema = compose.services['temporal-schema'];
    expect(schema.environment.POSTGRES_SEEDS).toBe('postgres');
    expect(Object.keys(schema.depends_on)).toContain('postgres');
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

  it('gives the api, the worker and the seed (migrate) one audit key, from a secret', () => {
    const secret = compose.secrets?.audit_key;
    expect(secret?.file, 'a top-level audit_key secret read from a file').toBeTruthy();
    expect(root(secret.file).startsWith(root('secrets/')), 'kept out of the repository (secrets/)').toBe(
      true,
    );
    expect(fs.readFileSync(root('.gitignore'), 'utf8')).toMatch(/^\/?secrets\/?$/m);
    for (const name of ['api', 'worker', 'migrate']) {
      const s = compose.services[name];
      expect(s.secrets, name).toContain('audit_key');
      expect(s.environment.AUDIT_KEY_FILE, name).toBe('/run/secrets/audit_key');
      // A literal key in the file would be in every clone; none means each container made its own.
      expect(s.environment.AUDIT_KEY, name).toBeUndefined();
    }
  });

  it('persists DATA_DIR on a named volume shared by the api, the worker and the seed', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const s = compose.services[name];
      const dataDir = s.environment.DATA_DIR;
      expect(dataDir, name).toMatch(/^\//);
      const mount = (s.volumes ?? []).find((v: string) => v.split(':')[1] === dataDir);
      expect(mount, `${name} mounts a volume at ${dataDir}`).toBeTruthy();
      const volume = mount.split(':')[0];
      expect(Object.keys(compose.volumes), `${volume} is a named volume`).toContain(volume);
    }
    const volumeOf = (name: string) => compose.services[name].volumes[0].split(':')[0];
    expect(volumeOf('worker')).toBe(volumeOf('api'));
    expect(volumeOf('migrate')).toBe(volumeOf('api'));
  });

  it('restarts every long-running service, and never the one-shot migrations', () => {
    for (const [name, s] of Object.entries<any>(compose.services)) {
      if (name === 'migrate' || name === 'temporal-schema') expect(s.restart, name).toBe('no');
      else expect(['always', 'unless-stopped', 'on-failure'], name).toContain(s.restart);
    }
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
  it('gives DATA_DIR a directory the unprivileged user owns (a fresh named volume takes its owner)', () => {
    expect(text).toMatch(/^ENV DATA_DIR=\/data$/m);
    expect(text).toMatch(/mkdir -p \/data && chown node:node \/data/);
    expect(text.indexOf('chown node:node /data')).toBeLessThan(text.indexOf('USER node'));
  });
  it('copies every runtime folder', () => {
    for (const dir of ['domain', 'db', 'workflows', 'activities', 'worker', 'api', 'platform'])
      expect(text).toContain(`COPY ${dir} ./${dir}`);
  });
});
