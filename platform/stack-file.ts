/**
 * DATA_DIR/stack.json: where the running local stack's servers are (written by `npm start`),
 * so that operator commands (`audit:verify`, `reconcile`) find the embedded PostgreSQL and
 * Temporal dev server, whose ports are chosen at start.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface StackFile {
  databaseUrl: string;
  /** Absent while Temporal is still starting (and in files written before it was recorded). */
  temporalAddress?: string;
  pid: number;
}

export function stackFilePath(dataDir: string): string {
  return path.join(dataDir, 'stack.json');
}

export function writeStackFile(dataDir: string, info: StackFile): void {
  fs.writeFileSync(stackFilePath(dataDir), JSON.stringify(info), { mode: 0o600 });
}

/** The running stack's file, or undefined when there is none or its launcher is gone. */
export function readStackFile(dataDir: string): StackFile | undefined {
  const file = stackFilePath(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const info = JSON.parse(fs.readFileSync(file, 'utf8')) as StackFile;
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined; // a launcher killed without cleaning up left it behind
  }
  return info;
}
