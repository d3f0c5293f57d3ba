/** The archive storage the configuration names: one place for the api and the demo seed. */
import path from 'node:path';
import type { Env } from '#platform/env.js';
import { createS3ArchiveStorage } from './s3-storage.js';
import { createFsArchiveStorage, type ArchiveStorage } from './storage.js';

export function archiveStorageFromEnv(env: Env): ArchiveStorage {
  if (env.ARCHIVE_STORAGE === 's3')
    return createS3ArchiveStorage({
      endpoint: env.S3_ENDPOINT!,
      bucket: env.S3_BUCKET!,
      region: env.S3_REGION,
      accessKeyId: env.S3_ACCESS_KEY_ID!,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
      prefix: env.S3_PREFIX,
    });
  return createFsArchiveStorage(path.join(path.resolve(env.dataDir), 'archives'));
}
