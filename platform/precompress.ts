/**
 * A Vite plugin (web/vite.config.ts) writing a gzip and a brotli copy beside each text asset of the
 * console's build (`x.js.gz`, `x.js.br`), which the api sends to a browser that accepts them
 * (api/src/console-assets.ts): the console's scripts and styles are text that shrinks to a third,
 * which a village operator's phone on a mobile network feels, and compressing once at build costs
 * nothing per request. The encodings and the size worth compressing are the api's too (compress.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin } from 'vite';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** The encodings, in the api's order of preference, and the suffixes of the build's copies. */
export const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** A body under this fits a packet or two either way: neither the build nor the api compresses it. */
export const COMPRESS_MIN_BYTES = 1024;

/** The build's files worth compressing: text. */
const PRECOMPRESSED = /\.(js|css|svg|json|html|txt)$/;

async function precompressDir(dir: string): Promise<void> {
  const names = (await fs.readdir(dir)).filter((n) => PRECOMPRESSED.test(n));
  // zlib's asynchronous calls run on libuv's threads: the files compress side by side.
  await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      const raw = await fs.readFile(file);
      if (raw.length < COMPRESS_MIN_BYTES) return;
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
    }),
  );
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
