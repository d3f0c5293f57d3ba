/**
 * A Vite plugin (web/vite.config.ts) writing a gzip and a brotli copy beside each text asset of the
 * console's build (`x.js.gz`, `x.js.br`), which the api sends to a browser that accepts them
 * (api/src/console-assets.ts): the
 * console's scripts and styles are text that shrinks to a third, which a village operator's phone
 * on a mobile network feels, and compressing once at build costs nothing per request.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin } from 'vite';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** The copies' encodings, the api's order of preference, and their files' suffixes. */
export const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** What is worth compressing: text, and more than a packet's worth. */
export const PRECOMPRESSED = /\.(js|css|svg|json|html|txt)$/;
export const PRECOMPRESS_MIN_BYTES = 1024;

export async function precompressDir(dir: string): Promise<number> {
  const names = (await fs.readdir(dir)).filter((n) => PRECOMPRESSED.test(n));
  let written = 0;
  // zlib's asynchronous calls run on libuv's threads: the files compress side by side.
  await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      const raw = await fs.readFile(file);
      if (raw.length < PRECOMPRESS_MIN_BYTES) return;
      const [gz, br] = await Promise.all([
        gzip(raw, { level: 9 }),
        brotli(raw, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
          },
        }),
      ]);
      await Promise.all([fs.writeFile(`${file}.gz`, gz), fs.writeFile(`${file}.br`, br)]);
      written++;
    }),
  );
  return written;
}

export function precompress(): Plugin {
  let assetsDir = '';
  return {
    name: 'sanzhang-precompress',
    apply: 'build',
    configResolved(config) {
      assetsDir = path.resolve(config.root, config.build.outDir, config.build.assetsDir);
    },
    async closeBundle() {
      await precompressDir(assetsDir);
    },
  };
}
