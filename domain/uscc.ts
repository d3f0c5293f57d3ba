/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters over a 31-symbol
 * alphabet (digits and capitals without I, O, Z, S, V). The 18th is a check character: with
 * weights w_i = 3^(i-1) mod 31, c = (31 − Σ v_i·w_i mod 31) mod 31. The database applies the same
 * rule in `uscc_valid()`.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheckChar(first17: string): string | null {
  if (!/^[0-9A-HJ-NPQRTUWXY]{17}$/.test(first17)) return null;
  let total = 0;
  for (let i = 0; i < 17; i++) total += ALPHABET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return ALPHABET[(31 - (total % 31)) % 31]!;
}

export function isValidUscc(code: string): boolean {
  if (code.length !== 18) return false;
  const c = usccCheckChar(code.slice(0, 17));
  return c !== null && c === code[17];
}
