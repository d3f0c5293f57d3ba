/**
 * What every uploaded file goes through, archive document or bulletin attachment: its size and
 * type checked (declared type and leading bytes must agree), its SHA-256 taken, its bytes stored
 * under a fresh key before any row points at them; and on the way out, the bytes read back and
 * their SHA-256 compared with the one recorded at upload.
 */
import { createHash } from 'node:crypto';
import { checkArchiveType } from '#domain/archives.js';
import { AppError } from '#domain/errors.js';
import { invalid } from '../../http.js';
import type { ArchiveStorage } from './storage.js';

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The declared type without parameters (`image/png; x=y` → `image/png`). */
export const bareType = (contentType: string) => contentType.split(';')[0]!.trim();

/** Refuses a file too large or not of an allowed type (the error names `body`). */
export function checkUpload(contentType: string, bytes: Buffer, maxBytes: number): void {
  if (bytes.length > maxBytes)
    throw new AppError('PAYLOAD_TOO_LARGE', `文件超过 ${maxBytes} 字节 (file too large)`);
  const problem = checkArchiveType(bareType(contentType), bytes);
  if (problem) throw invalid('body', problem);
}

/** Stores checked bytes under `key` and answers their SHA-256. */
export async function storeFile(storage: ArchiveStorage, key: string, bytes: Buffer): Promise<string> {
  await storage.put(key, bytes);
  return sha256Of(bytes);
}

/** The stored bytes if their SHA-256 is the recorded one; else what was found (null: no file). */
export async function readVerified(
  storage: ArchiveStorage,
  key: string,
  sha256: string,
): Promise<{ ok: true; bytes: Buffer } | { ok: false; bytes: Buffer | null; found: string | null }> {
  const bytes = await storage.get(key);
  const found = bytes ? sha256Of(bytes) : null;
  return found === sha256 ? { ok: true, bytes: bytes! } : { ok: false, bytes, found };
}
