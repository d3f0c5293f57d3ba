/** `npm run temporal:cli`: finds or builds the Temporal CLI (see platform/temporal-cli.ts) and prints its path. */
import { createLogger } from '#platform/log.js';
import { ensureTemporalCli } from '#platform/temporal-cli.js';

const log = createLogger('temporal-cli', 'info', true); // stdout carries only the path
ensureTemporalCli(log).then(
  (p) => process.stdout.write(`${p}\n`),
  (err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
