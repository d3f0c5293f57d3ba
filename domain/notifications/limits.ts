/**
 * The vendors' size limits and the two cuts that respect them. Cuts are on code-point
 * boundaries (a Chinese character or an emoji is never split into invalid UTF-8), and say
 * that something was cut with an ellipsis.
 */

/** WeCom group robots refuse markdown content over 4096 bytes of UTF-8 (errcode 40058). */
export const WECOM_MARKDOWN_MAX_BYTES = 4096;
/**
 * DingTalk does not publish a hard byte limit for robot markdown; long messages are cut by the
 * client. The same 4096 bytes keeps one message on one screen and one rule for both robots.
 */
export const DINGTALK_MARKDOWN_MAX_BYTES = 4096;
/**
 * One SMS template variable. Aliyun allows 35 characters for a free-text variable, Tencent
 * fewer for some account types; 20 fits both and keeps a message within two SMS segments.
 */
export const SMS_PARAM_MAX_CHARS = 20;

const ELLIPSIS = '…';
const encoder = new TextEncoder();

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/** At most `maxBytes` of UTF-8, cut on a character boundary, ending in … when cut. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  const budget = maxBytes - utf8Length(ELLIPSIS);
  let used = 0;
  let out = '';
  for (const ch of s) {
    const n = utf8Length(ch);
    if (used + n > budget) break;
    used += n;
    out += ch;
  }
  return out + ELLIPSIS;
}

/** At most `max` characters (code points), ending in … when cut. */
export function truncateChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + ELLIPSIS;
}
