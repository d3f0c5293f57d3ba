/**
 * A red flag scan: every rule's statement, one after the other in one transaction of the system
 * scope under an advisory lock, and one audit row naming who asked and what changed. Running it
 * twice in a row changes nothing the second time (each rule's upsert skips unchanged flags), so
 * the periodic scan and the office's own can both run whenever they like.
 */
import type { AuditEntry, AuditLog } from '../audit.js';
import type { Orm } from '../orm.js';
import { inScope, SYSTEM_SCOPE } from '../scope.js';
import { redFlagScanStatement, SCAN_LOCK } from '../writes/red-flag.js';
import { cstDate } from '#domain/deadlines.js';
import { RED_FLAG_RULES, type RedFlagConfig, type RedFlagScanResult } from '#domain/red-flags.js';
import { ruleQueries } from './red-flag-rules.js';

export async function scanRedFlags(deps: {
  orm: Orm;
  audit: AuditLog;
  config: RedFlagConfig;
  actor: AuditEntry['actor'];
  via: AuditEntry['via'];
  today?: string;
}): Promise<RedFlagScanResult> {
  const started = Date.now();
  const queries = ruleQueries(deps.config, deps.today ?? cstDate(Date.now()));
  return inScope(deps.orm, SYSTEM_SCOPE, async (tx) => {
    await tx.execute(SCAN_LOCK.sql);
    const rules: RedFlagScanResult['rules'] = {};
    const raisedIds: Record<string, string[]> = {};
    for (const rule of RED_FLAG_RULES) {
      const st = redFlagScanStatement(rule, queries[rule]);
      const [row] = await tx.execute<
        { found: number; raised: number; cleared: number; raised_ids: string[] }[]
      >(st.sql, st.params);
      rules[rule] = { found: row!.found, raised: row!.raised, cleared: row!.cleared };
      if (row!.raised_ids.length) raisedIds[rule] = row!.raised_ids;
    }
    const result = { rules, ms: Date.now() - started };
    await deps.audit.append(tx, {
      actor: deps.actor,
      via: deps.via,
      action: 'redFlag.scan',
      entity: 'red_flag',
      entityId: null,
      after: { ...result, raisedIds, config: deps.config },
    });
    return result;
  });
}

/**
 * The periodic scan (RED_FLAG_SCAN_MINUTES), in the worker: one round at a time, a failed round
 * logged and tried again at the next tick.
 */
export function startRedFlagScans(opts: {
  orm: Orm;
  audit: AuditLog;
  config: RedFlagConfig;
  intervalMs: number;
  log: { info(m: string): void; warn(m: string): void };
}): { stop(): Promise<void> } {
  let current: Promise<unknown> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const round = () => {
    if (busy || stopped) return;
    busy = true;
    current = scanRedFlags({ ...opts, actor: { id: null, username: 'system' }, via: 'activity' })
      .then((r) => {
        const raised = Object.values(r.rules).reduce((n, x) => n + x.raised, 0);
        opts.log.info(`red flag scan: ${raised} raised in ${r.ms} ms`);
      })
      .catch((err: unknown) =>
        opts.log.warn(`red flag scan failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => (busy = false));
  };
  // The first round a minute after start (not at once: `npm start` may still be seeding).
  const first = setTimeout(round, Math.min(opts.intervalMs, 60_000));
  first.unref();
  const timer = setInterval(round, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await current;
    },
  };
}
