/**
 * Prints the console's production JavaScript, gzipped: what the first load fetches (the entry and
 * its static imports, from Vite's manifest) against the 300 KB target, then each route's own chunks.
 * Builds into a temporary directory so web/dist is left alone.
 *
 *   npm run bench:bundle
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET_KB = 300;

interface Chunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  src?: string;
}

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-bundle-'));
try {
  await build({
    configFile: path.join(ROOT, 'web/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  const manifest = JSON.parse(fs.readFileSync(path.join(outDir, '.vite/manifest.json'), 'utf8')) as Record<
    string,
    Chunk
  >;
  const gz = (file: string) => gzipSync(fs.readFileSync(path.join(outDir, file)), { level: 9 }).length;
  const closure = (keys: string[], seen = new Set<string>()): Set<string> => {
    for (const k of keys) {
      if (seen.has(k)) continue;
      seen.add(k);
      closure(manifest[k]?.imports ?? [], seen);
    }
    return seen;
  };
  const sizeOf = (keys: Iterable<string>) => [...keys].reduce((n, k) => n + gz(manifest[k]!.file), 0);
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);

  const entries = Object.keys(manifest).filter((k) => manifest[k]!.isEntry);
  const initial = closure(entries);
  const initialBytes = sizeOf(initial);
  const allJs = Object.values(manifest)
    .filter((c) => c.file.endsWith('.js'))
    .reduce((n, c) => n + gz(c.file), 0);

  console.log(`initial JavaScript (entry + static imports), gzipped: ${kb(initialBytes)} KB`);
  for (const k of initial)
    console.log(`  ${manifest[k]!.file.padEnd(48)} ${kb(gz(manifest[k]!.file)).padStart(7)} KB`);
  console.log(`target: ≤ ${TARGET_KB} KB → ${initialBytes <= TARGET_KB * 1024 ? 'met' : 'NOT met'}`);
  console.log(`ratio to target: ${(initialBytes / (TARGET_KB * 1024)).toFixed(2)}`);

  console.log('\nper route (lazy chunks fetched on first visit, beyond the initial load), gzipped:');
  const routes = Object.keys(manifest).filter((k) => /src\/(pages|layouts)\/.*\.vue$/.test(k));
  for (const r of routes.sort()) {
    const own = [...closure([r])].filter((k) => !initial.has(k));
    console.log(`  ${r.replace(/^.*src\//, '').padEnd(36)} ${kb(sizeOf(own)).padStart(7)} KB`);
  }
  const landing = [...closure(['src/layouts/MainLayout.vue', 'src/pages/DashboardPage.vue'])].filter(
    (k) => !initial.has(k),
  );
  console.log(
    `\nfirst screen after login (initial + layout + dashboard, charts load after): ${kb(initialBytes + sizeOf(landing))} KB`,
  );
  console.log(`all JavaScript, gzipped: ${kb(allJs)} KB`);
} finally {
  fs.rmSync(outDir, { recursive: true, force: true });
}
