/**
 * Money is integer 分 (fen) everywhere. On the wire and in workflow payloads an amount is a JSON
 * integer (a safe integer: up to 90 万亿元, far above any county budget); sums are taken in bigint so
 * no intermediate can lose a fen; formatting to 元 / 万元 is string arithmetic, never division.
 */

export type Fen = number;

/**
 * The largest single amount the platform takes: 10^12 分 = 100 亿元, far above any project or fund
 * document a county sees. Below it every per-project sum (≤ 20 sources, disbursements bounded by
 * them) is a safe integer; sums over many projects are taken in bigint and sent as strings.
 */
export const MAX_FEN = 1_000_000_000_000;

/** Sum of amounts in fen, exact; throws if the total leaves the safe-integer range. */
export function sumFen(amounts: readonly Fen[]): Fen {
  let total = 0n;
  for (const a of amounts) total += BigInt(a);
  return fenFromBigInt(total);
}

/**
 * Whether the amounts add up to the total, in bigint; null when an amount or the total is not an
 * integer (its own check reports that), so a refinement never throws on bad input.
 */
export function fenSumEquals(amounts: readonly unknown[], total: unknown): boolean | null {
  if (!Number.isSafeInteger(total) || !amounts.every((a) => Number.isSafeInteger(a))) return null;
  return amounts.reduce<bigint>((acc, a) => acc + BigInt(a as number), 0n) === BigInt(total as number);
}

export function fenFromBigInt(value: bigint): Fen {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`amount out of range: ${value} 分`);
  }
  return Number(value);
}

/** Parses a PostgreSQL bigint (which node-postgres returns as a string) into fen. */
export function fenFromDb(value: string | number | bigint): Fen {
  return fenFromBigInt(BigInt(value));
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 1234567 分 → "12,345.67" (元). Totals (bigint or their decimal strings) format the same way. */
export function formatYuan(fen: Fen | bigint | string): string {
  const s = BigInt(fen).toString().padStart(3, '0');
  return `${groupThousands(s.slice(0, -2))}.${s.slice(-2)}`;
}

/**
 * From here up a spreadsheet cell holds 元 as text. A number with two decimals is exact below 10^15 分:
 * Excel keeps 15 significant digits, and a double holds every decimal of 15 digits so that it prints
 * back as the same text; 2^53 − 1 分 as a number reads 90071992547409.9, a 分 short.
 */
export const SPREADSHEET_EXACT_FEN = 10n ** 15n;

/** 分 as a spreadsheet cell in 元: the number formatYuan's text denotes while exact, that text beyond. */
export function yuanCell(fen: Fen | bigint | string): number | string {
  const text = formatYuan(fen);
  return BigInt(fen) < SPREADSHEET_EXACT_FEN ? Number(text.replace(/,/g, '')) : text;
}

/**
 * 1234567 分 → "1.23" (万元), rounded half up at the second decimal as Chinese ledgers print it.
 * 1 万元 = 1,000,000 分.
 */
export function formatWanYuan(fen: Fen | bigint | string): string {
  const hundredths = (BigInt(fen) + 5000n) / 10000n; // units of 0.01 万元
  const s = hundredths.toString().padStart(3, '0');
  return `${groupThousands(s.slice(0, -2))}.${s.slice(-2)}`;
}

/**
 * Parses "12,345.67" / "12345.6" / "12345" 元 into fen without floating point; null if not money.
 * Full-width digits and marks (a Chinese input method's "１２，３４５．６７") read as their ASCII forms.
 */
export function parseYuan(text: string): Fen | null {
  const m = /^\s*(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?\s*$/.exec(text.normalize('NFKC'));
  if (!m) return null;
  const whole = m[1]!.replace(/,/g, '');
  const frac = (m[2] ?? '').padEnd(2, '0');
  const fen = BigInt(whole) * 100n + BigInt(frac);
  if (fen > BigInt(MAX_FEN)) return null;
  return Number(fen);
}

/** A ratio in integer basis points (1/10000) as a percentage with two decimals: 1234 → "12.34%". */
export function formatBasisPoints(bp: number): string {
  const s = BigInt(bp).toString().padStart(3, '0');
  return `${groupThousands(s.slice(0, -2))}.${s.slice(-2)}%`;
}
