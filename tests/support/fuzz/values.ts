/**
 * Values for the route fuzzer: what a JSON Schema of the OpenAPI document allows (near-valid, so
 * requests get past the first check and reach the handlers), mixed with what a careless or hostile
 * client sends (NUL, lone surrogates, huge and fractional numbers, wrong types).
 */
import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
};

/** Codes and ids the test county has, so that generated references often point at real rows. */
export interface Known {
  orgCodes: string[];
  projectCodes: string[];
  projectIds: string[];
}

export const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '王\u0000五',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '𝌆',
  // Chinese text where a code is expected: an English refusal that repeats it must quote it.
  '罗江村',
  '',
  ' ',
  'x'.repeat(5000),
  '%00',
  '%E0%A4%A',
  '0000-01-01',
  '9999-12-31',
  '2026-02-30',
  "'; DROP TABLE project; --",
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '1e400',
  'NaN',
  '-1',
];

export const HOSTILE_NUMBERS = [
  -1,
  -0,
  0.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 - 1,
  1e12 + 1,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

const hostileOther = fc.constantFrom<unknown>(null, true, false, [], {}, '1', [1, 2], { a: 1 });

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: hostileOther },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);

const dateLike = fc.oneof(
  fc
    .date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2100-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-05-01', '2026-09-30', '0000-01-01', '1989-12-31', '2101-01-01', '2026-13-01'),
);

/** Field names whose values are codes or ids of the county: pick real ones most of the time. */
function knownFor(name: string, known: Known): fc.Arbitrary<string> | null {
  if (/(village|department|ownerUnit|orgUnit|parent)Codes?$|^(department|township|village)$/.test(name))
    return fc.constantFrom(...known.orgCodes);
  if (name === 'projectCode') return fc.constantFrom(...known.projectCodes);
  if (name === 'code' && known.projectCodes.length) return fc.constantFrom(...known.projectCodes, 'NEW-1');
  if (/Id$/.test(name) && known.projectIds.length)
    return fc.oneof(fc.constantFrom(...known.projectIds), fc.uuid());
  return null;
}

function stringFor(s: JsonSchema, name: string, known: Known): fc.Arbitrary<string> {
  const real = knownFor(name, known);
  if (real) return real;
  if (
    s.format === 'date' ||
    /On$|^(start|completion|acceptance|reimbursement|postedFrom|postedTo)$/.test(name)
  )
    return dateLike;
  if (s.format === 'uuid' || s.format === 'guid') return fc.uuid();
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= 200);
    } catch {
      /* a pattern fast-check cannot generate from: fall through */
    }
  }
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 60, Math.max(min, 60));
  return fc.string({ unit: 'grapheme', minLength: min, maxLength: max });
}

function numberFor(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
  const max = s.maximum ?? Math.max(min + 1_000_000, 1_000_000);
  if (integer)
    return fc.oneof(
      fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }),
      fc.constantFrom(min, max),
    );
  return fc.double({ min, max, noNaN: true });
}

/**
 * A value for the schema: valid-looking most of the time; at `hostility` (0–1) per node, a hostile
 * value instead. Optional properties are dropped at random; unknown ones are added now and then.
 */
export function valueFor(
  s: JsonSchema | undefined,
  known: Known,
  hostility: number,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const plain = plainValueFor(s, known, hostility, name, depth);
  if (hostility <= 0) return plain;
  const weight = Math.max(1, Math.round(hostility * 100));
  return fc.oneof(
    { weight: 100 - Math.min(weight, 99), arbitrary: plain },
    { weight, arbitrary: hostileValue },
  );
}

function plainValueFor(
  s: JsonSchema | undefined,
  known: Known,
  hostility: number,
  name: string,
  depth: number,
): fc.Arbitrary<unknown> {
  if (!s || depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => valueFor(a, known, hostility, name, depth + 1)));
  if (s.allOf?.length) return valueFor(Object.assign({}, ...s.allOf), known, hostility, name, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      return stringFor(s, name, known);
    case 'integer':
      return numberFor(s, true);
    case 'number':
      return numberFor(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(s.items, known, hostility, name.replace(/s$/, ''), depth + 1), {
        minLength: s.minItems ?? 0,
        // At most three items, unless the schema asks for more (a circular's five sections).
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
      });
    case 'object':
    case undefined: {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const fields = Object.fromEntries(
        Object.entries(props).map(([k, v]) => [
          k,
          required.has(k)
            ? valueFor(v, known, hostility, k, depth + 1)
            : fc.option(valueFor(v, known, hostility, k, depth + 1), { nil: undefined, freq: 3 }),
        ]),
      );
      return fc
        .record(fields)
        .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    }
    default:
      return fc.constant(null);
  }
}
