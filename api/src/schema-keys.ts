/**
 * Which keys of a request a route's schema reads. zod drops a key its object does not name, so a
 * misspelt filter or field would otherwise be answered as if it had not been sent: every project
 * for `departmnet=`, a step without its note for `notes`. These walks only read the schemas; where
 * a schema's shape cannot be read (a preprocess, a custom type) they refuse nothing by name and the
 * schema still checks the values.
 */
import {
  ZodArray,
  ZodCatch,
  ZodDefault,
  ZodDiscriminatedUnion,
  ZodExactOptional,
  ZodIntersection,
  ZodLazy,
  ZodNonOptional,
  ZodNullable,
  ZodObject,
  ZodOptional,
  ZodPipe,
  ZodPrefault,
  ZodReadonly,
  ZodRecord,
  ZodTuple,
  ZodUnion,
  type z,
} from 'zod';

/** The schema a wrapper checks its value with, or null when `s` is not a wrapper. */
function innerOf(s: z.ZodType): z.ZodType | null {
  if (
    s instanceof ZodOptional ||
    s instanceof ZodExactOptional ||
    s instanceof ZodNullable ||
    s instanceof ZodDefault ||
    s instanceof ZodPrefault ||
    s instanceof ZodNonOptional ||
    s instanceof ZodCatch ||
    s instanceof ZodReadonly
  )
    return s.def.innerType as z.ZodType;
  // A transform's input is the value as sent; a preprocess's is a ZodTransform, which ends the walk.
  if (s instanceof ZodPipe) return s.in as z.ZodType;
  if (s instanceof ZodLazy) return s.def.getter() as z.ZodType;
  return null;
}

/**
 * The parameters a query schema reads, or null when its shape cannot be read from the schema (then
 * no key is refused by name; the schema still checks the values).
 */
export function queryKeysOf(schema: z.ZodType | undefined): ReadonlySet<string> | null {
  if (!schema) return new Set();
  const keys = new Set<string>();
  const stack: z.ZodType[] = [schema];
  while (stack.length > 0) {
    const s = stack.pop()!;
    const inner = innerOf(s);
    if (inner) stack.push(inner);
    else if (s instanceof ZodObject) {
      if (s.def.catchall) return null;
      for (const k of Object.keys(s.shape)) keys.add(k);
    } else if (s instanceof ZodUnion) stack.push(...(s.options as z.ZodType[]));
    else if (s instanceof ZodIntersection) stack.push(s.def.left as z.ZodType, s.def.right as z.ZodType);
    else return null;
  }
  return keys;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The option of a union that reads the value: in a discriminated union the one its discriminator
 * names (so a step's stray key is named beside its other faults), else the first that accepts it.
 */
function optionFor(schema: ZodUnion, value: unknown): z.ZodType | undefined {
  const options = schema.options as z.ZodType[];
  if (schema instanceof ZodDiscriminatedUnion && isRecord(value)) {
    const key = schema.def.discriminator;
    return options.find((o) => o._zod.propValues?.[key]?.has(value[key] as never));
  }
  return options.find((o) => o.safeParse(value).success);
}

/**
 * The paths (`body.lines.0.notes`) of the object keys in `value` that `schema` does not read, at
 * any depth. A union is followed into the option that reads the value; a value no option
 * reads is left to the parse's own refusal.
 */
export function keysNotRead(schema: z.ZodType, value: unknown, path: string): string[] {
  const inner = innerOf(schema);
  if (inner) return keysNotRead(inner, value, path);
  if (schema instanceof ZodObject) {
    if (!isRecord(value)) return [];
    const shape = schema.shape as Record<string, z.ZodType>;
    // A catchall takes the keys the shape does not name (a strict object refuses them itself).
    const strayAllowed = schema.def.catchall !== undefined;
    return Object.keys(value).flatMap((k) => {
      const field = Object.hasOwn(shape, k) ? shape[k] : undefined;
      if (field) return keysNotRead(field, value[k], `${path}.${k}`);
      return strayAllowed ? [] : [`${path}.${k}`];
    });
  }
  if (schema instanceof ZodArray) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((v, i) => keysNotRead(schema.element as z.ZodType, v, `${path}.${i}`));
  }
  if (schema instanceof ZodTuple) {
    if (!Array.isArray(value)) return [];
    const items = schema.def.items as z.ZodType[];
    const rest = schema.def.rest as z.ZodType | null;
    return value.flatMap((v, i) => {
      const item = items[i] ?? rest;
      return item ? keysNotRead(item, v, `${path}.${i}`) : [];
    });
  }
  if (schema instanceof ZodRecord) {
    if (!isRecord(value)) return [];
    return Object.keys(value).flatMap((k) =>
      keysNotRead(schema.def.valueType as z.ZodType, value[k], `${path}.${k}`),
    );
  }
  if (schema instanceof ZodUnion) {
    const taken = optionFor(schema, value);
    return taken ? keysNotRead(taken, value, path) : [];
  }
  if (schema instanceof ZodIntersection) {
    // Both sides see the whole value: a key is stray only when neither reads it.
    const right = new Set(keysNotRead(schema.def.right as z.ZodType, value, path));
    return keysNotRead(schema.def.left as z.ZodType, value, path).filter((p) => right.has(p));
  }
  return [];
}
