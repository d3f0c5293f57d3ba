/**
 * What an uploaded photo really is, by its first bytes (the declared type and the file name are
 * the sender's word): JPEG, PNG or WebP, nothing else.
 */
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export function imageTypeOf(b: Buffer): ImageType | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp';
  return undefined;
}
