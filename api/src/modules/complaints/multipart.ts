/**
 * A small multipart/form-data reader for the public complaint form, which must work as a plain
 * HTML form without JavaScript. The body is already buffered and bounded by the route's limit;
 * this only splits it. No dependency: the api has no other multipart upload (archives send raw
 * bytes with an X-File-Name header), and the form has a handful of fields and a few photos.
 */
import { AppError } from '#domain/errors.js';

export interface Part {
  name: string;
  fileName?: string;
  contentType?: string;
  data: Buffer;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

function malformed(why: string): AppError {
  // `why` is the parser's technical word for the fault, the same in both languages.
  const message = { zh: `表单数据格式错误（${why}）`, en: `malformed multipart body: ${why}` };
  return new AppError('BAD_REQUEST', message, [{ path: 'body', message }]);
}

export function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The parts of a multipart body; at most `maxParts`, else refused. */
export function parseMultipart(body: Buffer, contentType: string, maxParts: number): Part[] {
  const b = boundaryOf(contentType);
  if (!b) throw malformed('no boundary');
  const boundary = Buffer.from(`--${b}`);
  const delimiter = Buffer.concat([CRLF, boundary]);
  let pos = body.indexOf(boundary);
  if (pos < 0) throw malformed('no part');
  const parts: Part[] = [];
  for (;;) {
    pos += boundary.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // the closing delimiter
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw malformed('bad delimiter');
    pos += 2;
    const headerEnd = body.indexOf(HEADER_END, pos);
    if (headerEnd < 0 || headerEnd - pos > 4096) throw malformed('bad part headers');
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) throw malformed('unterminated part');
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw malformed('part without a name');
    const fileName = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /^content-type:\s*([^\r\n;]+)/im.exec(headers)?.[1]?.trim();
    parts.push({
      name,
      ...(fileName !== undefined ? { fileName } : {}),
      ...(type ? { contentType: type } : {}),
      data: body.subarray(headerEnd + 4, next),
    });
    if (parts.length > maxParts) throw malformed('too many parts');
    pos = next + 2;
  }
}
