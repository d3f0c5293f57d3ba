/**
 * The workflow bundle kept between starts (worker/bundle-cache.ts) is used again only while
 * everything a build read is unchanged: an edited file, a file appearing where an import was
 * looked for, another bundler, or a bundle left without its manifest build it again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedWorkflowBundle } from '#worker/bundle-cache.js';

// Inside the checkout (ignored by git), so that the bundler resolves @temporalio/workflow from its
// node_modules and treats the files as the project's own.
const root = fileURLToPath(new URL('../.artifacts/', import.meta.url));
let dir: string;
let workflows: string;
let bundle: string;

beforeAll(() => {
  fs.mkdirSync(root, { recursive: true });
  dir = fs.mkdtempSync(path.join(root, 'bundle-cache-test-'));
  workflows = path.join(dir, 'workflows.ts');
  bundle = path.join(dir, 'out', 'workflow-bundle.js');
  fs.writeFileSync(
    workflows,
    `import { greeting } from './greeting.js';\nexport async function hello(): Promise<string> {\n  return greeting();\n}\n`,
  );
  fs.writeFileSync(path.join(dir, 'greeting.js'), `export const greeting = () => 'first words';\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const build = () => cachedWorkflowBundle(bundle, workflows);
const code = () => fs.readFileSync(bundle, 'utf8');

describe('the workflow bundle kept between starts', () => {
  it('is built once, then used as it is while nothing it read has changed', { timeout: 60_000 }, async () => {
    expect(await build()).toEqual({ codePath: bundle, reused: false });
    expect(code()).toContain('first words');
    const manifest = JSON.parse(fs.readFileSync(`${bundle}.json`, 'utf8'));
    expect(Object.keys(manifest.files)).toEqual(
      expect.arrayContaining([workflows, path.join(dir, 'greeting.js')]),
    );
    // The workflow runtime it bundles is an input too.
    expect(Object.keys(manifest.files).some((f) => f.includes('@temporalio/workflow'))).toBe(true);
    const builtAt = fs.statSync(bundle).mtimeMs;
    expect(await build()).toEqual({ codePath: bundle, reused: true });
    expect(fs.statSync(bundle).mtimeMs).toBe(builtAt);
  });

  it('is built again when a file it imports changes', { timeout: 60_000 }, async () => {
    await build();
    fs.writeFileSync(path.join(dir, 'greeting.js'), `export const greeting = () => 'second words';\n`);
    expect((await build()).reused).toBe(false);
    expect(code()).toContain('second words');
    expect(code()).not.toContain('first words');
    expect((await build()).reused).toBe(true);
  });

  it('is built again when a file appears where an import was looked for', { timeout: 60_000 }, async () => {
    await build();
    // `./greeting.js` is looked for as `greeting.ts` first (as the project's own imports are): a
    // greeting.ts written now, say the file moved to TypeScript, is what a build would take.
    const shadow = path.join(dir, 'greeting.ts');
    const manifest = JSON.parse(fs.readFileSync(`${bundle}.json`, 'utf8'));
    expect(manifest.missing).toContain(shadow);
    fs.writeFileSync(shadow, `export const greeting = (): string => 'shadowing words';\n`);
    try {
      expect((await build()).reused).toBe(false);
      expect(code()).toContain('shadowing words');
    } finally {
      fs.rmSync(shadow);
    }
    expect((await build()).reused).toBe(false); // and back once it is gone
    expect(code()).not.toContain('shadowing words');
  });

  it('is built again for another bundler, or when its manifest is missing', { timeout: 60_000 }, async () => {
    await build();
    const manifestFile = `${bundle}.json`;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, bundler: '@temporalio/worker 0.0.1' }));
    expect((await build()).reused).toBe(false);
    expect((await build()).reused).toBe(true);
    // A process that died between writing the bundle and its manifest.
    fs.rmSync(manifestFile);
    expect((await build()).reused).toBe(false);
    fs.writeFileSync(manifestFile, '{ not json');
    expect((await build()).reused).toBe(false);
    expect((await build()).reused).toBe(true);
  });
});
