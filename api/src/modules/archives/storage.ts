/**
 * Where archive files live. The database holds each file's SHA-256; the storage holds the bytes
 * under an opaque key. Filesystem by default (under DATA_DIR/archives); an S3-compatible adapter
 * implements the same three calls (see docs/configuration.md, `ARCHIVE_STORAGE`).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface ArchiveStorage {
  /** Stores bytes under a key; never overwrites (keys are fresh uuids). */
  put(key: string, data: Buffer): Promise<void>;
  /** The stored bytes, or null when nothing is stored under the key. */
  get(key: string): Promise<Buffer | null>;
  describe(): string;
}

export function createFsArchiveStorage(root: string): ArchiveStorage {
  const file = (key: string) => {
    if (!/^[0-9a-f-]{36}\/[0-9a-f-]{36}$/.test(key)) throw new Error(`bad archive key ${key}`);
    return path.join(root, key);
  };
  return {
    async put(key, data) {
      const target = file(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      // Write then rename: a crash never leaves a half-written file under the real key.
      const tmp = `${target}.${randomUUID()}.part`;
      await fs.writeFile(tmp, data, { flag: 'wx' });
      await fs.rename(tmp, target);
    },
    async get(key) {
      try {
        return await fs.readFile(file(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    describe: () => `filesystem ${root}`,
  };
}
