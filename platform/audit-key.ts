/**
 * The audit chain's HMAC key: AUDIT_KEY (≥ 32 characters) if set, else the file AUDIT_KEY_FILE
 * names (a container secret: every process of a deployment must read the same key), else
 * DATA_DIR/audit.key, created once with 32 random bytes. Keep it outside the database and its backups.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function loadAuditKey(
  env: { AUDIT_KEY?: string; AUDIT_KEY_FILE?: string; dataDir: string },
  create = true,
): Buffer {
  if (env.AUDIT_KEY) return Buffer.from(env.AUDIT_KEY, 'utf8');
  if (env.AUDIT_KEY_FILE) {
    // Never generated here: a key made up by one container would differ from the other's.
    let key: string;
    try {
      key = fs.readFileSync(env.AUDIT_KEY_FILE, 'utf8').trim();
    } catch (err) {
      throw new Error(`AUDIT_KEY_FILE: cannot read ${env.AUDIT_KEY_FILE} (${(err as Error).message})`);
    }
    if (key.length < 32)
      throw new Error(`AUDIT_KEY_FILE: ${env.AUDIT_KEY_FILE} holds fewer than 32 characters`);
    return Buffer.from(key, 'utf8');
  }
  const file = path.join(env.dataDir, 'audit.key');
  if (!fs.existsSync(file)) {
    if (!create) throw new Error(`no audit key: set AUDIT_KEY or provide ${file}`);
    fs.mkdirSync(env.dataDir, { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
}
