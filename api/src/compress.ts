/**
 * Answers compressed for clients that take it: the JSON of the api and the public portal's pages.
 * A list page of 20 projects is ~20 KB of JSON that compresses to a fifth or less, which a village
 * operator's phone on a mobile network feels and the server hardly does (a fraction of a
 * millisecond, at fast settings, against the read's milliseconds). The console's own files are
 * compressed once, when it is built (console-assets.ts).
 */
import zlib from 'node:zlib';
import type { Request, Response } from 'express';

/** Smaller bodies fit a packet or two either way. */
export const COMPRESS_MIN_BYTES = 1024;

const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };
const GZIP = { level: 4 };

/**
 * `raw` as this request should get it: brotli or gzip when it is worth it and the client accepts
 * it (setting Content-Encoding and Vary), else unchanged. Synchronous: at these settings a large
 * answer takes about a millisecond, less than handing it to another thread and back.
 */
export function encodeFor(req: Request, res: Response, raw: Buffer): Buffer {
  if (raw.length < COMPRESS_MIN_BYTES) return raw;
  res.vary('Accept-Encoding');
  if (req.acceptsEncodings('br') === 'br') {
    res.setHeader('Content-Encoding', 'br');
    return zlib.brotliCompressSync(raw, BROTLI);
  }
  if (req.acceptsEncodings('gzip') === 'gzip') {
    res.setHeader('Content-Encoding', 'gzip');
    return zlib.gzipSync(raw, GZIP);
  }
  return raw;
}
