/**
 * The outbox file: one JSON line per outbound message, for development and demos (read it with
 * `tail -f data/outbox.jsonl`). It stands in for every outside channel at once and always works.
 * One appendFile call per line: a single write(2) in append mode, so lines of concurrent sends
 * do not interleave.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ChannelAdapter, OutboundMessage } from '../channel.js';

export interface OutboxLine extends OutboundMessage {
  /** When it was written (ISO 8601). */
  at: string;
}

export function createOutboxAdapter(opts: { file: string; now?: () => Date }): ChannelAdapter {
  const now = opts.now ?? (() => new Date());
  let dirReady: Promise<unknown> | null = null;
  return {
    channel: 'outbox',
    bucketOf: () => 'outbox',
    async send(m: OutboundMessage) {
      dirReady ??= fs.mkdir(path.dirname(opts.file), { recursive: true });
      await dirReady;
      const line: OutboxLine = { at: now().toISOString(), ...m };
      await fs.appendFile(opts.file, JSON.stringify(line) + '\n', 'utf8');
      return { vendorId: null };
    },
  };
}
