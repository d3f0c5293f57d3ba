import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zipStore } from './zip-store.js';

/** Reads a ZIP back through its central directory, as an unzipper does, checking each CRC. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = zip.readUInt32LE(at + 42);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    expect(zip.readUInt16LE(local + 26)).toBe(nameLength);
    const data = zip.subarray(local + 30 + nameLength, local + 30 + nameLength + size);
    expect(zlib.crc32(data)).toBe(crc);
    out.set(name, Buffer.from(data));
    at += 46 + nameLength;
  }
  return out;
}

describe('zipStore', () => {
  it('writes entries an unzipper reads back byte for byte, names in UTF-8', () => {
    const entries = [
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'word/document.xml', data: Buffer.from('<w:t>关于2026年11月的通报</w:t>') },
      { name: '空.txt', data: Buffer.alloc(0) },
    ];
    const sut = readZip(zipStore(entries));
    expect([...sut.keys()]).toEqual(entries.map((e) => e.name));
    for (const e of entries) expect(sut.get(e.name)!.equals(e.data)).toBe(true);
  });

  it('is the same bytes for the same entries (fixed timestamps)', () => {
    const entries = [{ name: 'a.xml', data: Buffer.from('<a/>') }];
    expect(zipStore(entries).equals(zipStore(entries))).toBe(true);
  });
});
