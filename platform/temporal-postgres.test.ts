/**
 * docker-compose.yml runs the Temporal server `npm run test:topology` tests: the same release, the
 * same configuration files, the same arguments and schema script, and every variable the
 * configuration needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './temporal-cli.js';
import {
  TEMPORAL_DEPLOY_DIR,
  TEMPORAL_PORT_VARS,
  TEMPORAL_SERVER_ARGS,
  TEMPORAL_SERVER_VERSION,
  databaseEnv,
} from './temporal-postgres.js';

const compose = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
});
const config = fs.readFileSync(path.join(TEMPORAL_DEPLOY_DIR, 'config', 'production.yaml'), 'utf8');
const release = TEMPORAL_SERVER_VERSION.replace(/^v/, '');

describe('docker-compose.yml and the tested topology', () => {
  it('runs the same server release with the same configuration and arguments', () => {
    const temporal = compose.services.temporal;
    expect(temporal.image).toBe(`temporalio/server:${release}`);
    expect(temporal.entrypoint).toEqual([
      'temporal-server',
      '--root',
      '/etc/temporal',
      ...TEMPORAL_SERVER_ARGS,
    ]);
    expect(temporal.volumes).toContain('./deploy/temporal/config:/etc/temporal/config:ro');
    expect(fs.existsSync(path.join(TEMPORAL_DEPLOY_DIR, 'config', 'dynamicconfig', 'production.yaml'))).toBe(
      true,
    );
  });

  it("sets up the schema with the same script and the server's own release of the tool", () => {
    const schema = compose.services['temporal-schema'];
    expect(schema.image.startsWith(`temporalio/admin-tools:${release}-`)).toBe(true);
    expect(schema.volumes).toContain('./deploy/temporal/setup-schema.sh:/deploy/setup-schema.sh:ro');
    expect(schema.entrypoint).toEqual(['sh', '/deploy/setup-schema.sh']);
    expect(compose.services.temporal.depends_on['temporal-schema'].condition).toBe(
      'service_completed_successfully',
    );
  });

  it('gives the server every variable its configuration reads without a default', () => {
    const required = [...config.matchAll(/\{\{ env "([A-Z_]+)"/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    const tested = Object.keys(databaseEnv({ host: 'h', port: 1, user: 'u', password: 'p' }));
    const composed = Object.keys(compose.services.temporal.environment);
    for (const v of required) {
      expect(tested).toContain(v);
      expect(composed).toContain(v);
    }
    // The ports a test chooses are all read by the configuration (with the image's defaults).
    for (const v of TEMPORAL_PORT_VARS) expect(config).toContain(`(env "${v}")`);
  });

  it('persists and searches on PostgreSQL, with the history shard count fixed in the file', () => {
    expect(config.match(/pluginName: postgres12$/gm)).toHaveLength(2);
    expect(config).toMatch(/^ {2}numHistoryShards: \d+$/m);
    expect(config.startsWith('# enable-template\n')).toBe(true);
  });
});
