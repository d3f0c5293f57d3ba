/**
 * The workflow bundle kept in a file and built again only when what went into it changed. webpack
 * takes seconds of CPU (more on a busy machine), and the launcher starts a worker on every
 * `npm start` and again whenever one dies: each of them would bundle the same unchanged code.
 *
 * Beside the bundle, a manifest records what the build read: the bundler's version, a hash of
 * every file webpack read (the workflows, the domain code they import, the @temporalio/workflow
 * files, the package.json files that resolved them), and every path the resolver looked for and
 * did not find. The bundle is reused only when all of that still holds: every file hashes the
 * same and no path that was missing has appeared (a new file can change what an import resolves
 * to). Anything else — no manifest, a changed dependency, an unreadable file — builds it again.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WORKFLOWS_PATH, bundleWorkflows } from './worker.js';

interface Manifest {
  bundler: string;
  workflowsPath: string;
  /** Absolute path → sha256 of its content. */
  files: Record<string, string>;
  /** Paths the resolver tried that did not exist. */
  missing: string[];
}

const BUNDLER = `@temporalio/worker ${(createRequire(import.meta.url)('@temporalio/worker/package.json') as { version: string }).version}`;

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function stillValid(manifest: Manifest, workflowsPath: string): boolean {
  if (manifest.bundler !== BUNDLER || manifest.workflowsPath !== workflowsPath) return false;
  if (Object.keys(manifest.files).length === 0) return false;
  try {
    for (const [file, hash] of Object.entries(manifest.files)) if (sha256(file) !== hash) return false;
  } catch {
    return false; // a file it read is gone
  }
  return manifest.missing.every((p) => !fs.existsSync(p));
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file and a rename: a reader never sees half a file. */
function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Where a stack keeps its bundle: the launcher's workers and `seed:demo` share it. */
export const workflowBundleFile = (dataDir: string) => path.join(dataDir, 'workflow-bundle.js');

/**
 * The bundle of `workflowsPath` at `file` (a `.js` path; its manifest is `file` + `.json`), built
 * now unless the one there is still what a build would produce.
 */
export async function cachedWorkflowBundle(
  file: string,
  workflowsPath: string = WORKFLOWS_PATH,
): Promise<{ codePath: string; reused: boolean }> {
  const manifestFile = `${file}.json`;
  const previous = readManifest(manifestFile);
  if (previous && fs.existsSync(file) && stillValid(previous, workflowsPath))
    return { codePath: file, reused: true };

  let files: string[] = [];
  let missing: string[] = [];
  const started = Date.now();
  const { code } = await bundleWorkflows({
    workflowsPath,
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        {
          apply: (compiler) =>
            compiler.hooks.done.tap('record-inputs', (stats) => {
              files = [...stats.compilation.fileDependencies];
              missing = [...stats.compilation.missingDependencies];
            }),
        },
      ],
    }),
  });
  // The bundler's generated entry point lives in its in-memory file system, not on disk: it is
  // fixed by the bundler's version, which the manifest records.
  const stats = new Map(
    files.filter(path.isAbsolute).map((f) => [f, fs.statSync(f, { throwIfNoEntry: false })]),
  );
  const onDisk = [...stats].filter(([, st]) => st?.isFile()).map(([f]) => f);
  // A file edited while webpack ran may be in the bundle as it was before: hashing it now would
  // vouch for content the bundle does not have. Such a bundle is used this once, not recorded.
  const edited = onDisk.some((f) => stats.get(f)!.mtimeMs >= started);
  const manifest: Manifest = {
    bundler: BUNDLER,
    workflowsPath,
    files: Object.fromEntries(onDisk.sort().map((f) => [f, sha256(f)])),
    missing: missing.filter((p) => path.isAbsolute(p) && !fs.existsSync(p)).sort(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // The old manifest goes before the bundle is replaced, the new one comes after it: a process
  // that dies in between leaves a bundle with no manifest, which the next start builds again.
  fs.rmSync(manifestFile, { force: true });
  writeAtomically(file, code);
  if (!edited) writeAtomically(manifestFile, JSON.stringify(manifest));
  return { codePath: file, reused: false };
}
