import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keysNotRead, queryKeysOf } from './schema-keys.js';

describe('the keys of a body its schema does not read', () => {
  const line = z.object({ kind: z.string(), amountFen: z.number() });
  const sut = z.object({
    note: z.string().optional(),
    lines: z.array(line).min(1),
    meta: z.object({ by: z.string() }).nullable().default(null),
  });

  it('names a stray key at any depth by its path, and nothing when every key is read', () => {
    expect(
      keysNotRead(sut, { note: 'a', lines: [{ kind: 'x', amountFen: 1 }], meta: { by: 'b' } }, 'body'),
    ).toEqual([]);
    expect(
      keysNotRead(
        sut,
        {
          notes: 'a',
          lines: [
            { kind: 'x', amountFen: 1 },
            { kind: 'y', amountfen: 2 },
          ],
          meta: { by: 'b', at: 1 },
        },
        'body',
      ),
    ).toEqual(['body.notes', 'body.lines.1.amountfen', 'body.meta.at']);
  });

  it('follows a transform to the value as sent, and a union to the option that takes the value', () => {
    const step = z.discriminatedUnion('to', [
      z.object({ to: z.literal('started'), on: z.string() }),
      z.object({ to: z.literal('accepted'), verdict: z.string() }),
    ]);
    expect(keysNotRead(step, { to: 'accepted', verdict: 'ok', on: 'x' }, 'body')).toEqual(['body.on']);
    expect(keysNotRead(step, { to: 'started', on: 'x' }, 'body')).toEqual([]);
    // Named beside the option's own faults (its day missing), by the option its discriminator names.
    expect(keysNotRead(step, { to: 'started', notes: 'x' }, 'body')).toEqual(['body.notes']);
    // No option takes it: the parse refuses it, not this walk.
    expect(keysNotRead(step, { to: 'nowhere', x: 1 }, 'body')).toEqual([]);
    const either = z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]);
    expect(keysNotRead(either, { b: 1, c: 2 }, 'body')).toEqual(['body.c']);
    const renamed = z.object({ a: z.string() }).transform((v) => ({ b: v.a }));
    expect(keysNotRead(renamed, { a: 'x', c: 1 }, 'body')).toEqual(['body.c']);
  });

  it('refuses nothing by name where the shape cannot be read or takes any key', () => {
    expect(
      keysNotRead(
        z.preprocess((v) => v, z.object({ a: z.string() })),
        { b: 1 },
        'body',
      ),
    ).toEqual([]);
    expect(keysNotRead(z.looseObject({ a: z.string() }), { b: 1 }, 'body')).toEqual([]);
    expect(
      keysNotRead(z.record(z.string(), z.object({ a: z.number() })), { x: { a: 1, b: 2 } }, 'body'),
    ).toEqual(['body.x.b']);
    const both = z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() }));
    expect(keysNotRead(both, { a: 'x', b: 'y', c: 'z' }, 'body')).toEqual(['body.c']);
  });
});

describe('the parameters a query schema reads', () => {
  it('reads through wrappers and unions, and cannot tell for a preprocess', () => {
    const q = z.object({ page: z.coerce.number().default(1) }).or(z.object({ cursor: z.string() }));
    expect([...queryKeysOf(q)!].sort()).toEqual(['cursor', 'page']);
    expect(queryKeysOf(undefined)).toEqual(new Set());
    expect(queryKeysOf(z.preprocess((v) => v, z.object({ a: z.string() })))).toBeNull();
  });
});
