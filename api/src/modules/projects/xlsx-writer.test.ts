/**
 * The hand-written xlsx read back by exceljs: values (XML-special and forbidden characters
 * included), the money format, the bold frozen header, the widths; and its streaming: bytes leave
 * at each flush, a slow output is waited for, a closed one fails the export instead of hanging it.
 */
import { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { XlsxSheetWriter, xmlEscape, type XlsxCell, type XlsxColumn } from './xlsx-writer.js';

const COLUMNS: XlsxColumn[] = [
  { header: '名称', width: 30 },
  { header: '金额（元）', width: 15, money: true },
  { header: '进度', width: 8 },
];

/** A Writable collecting what it is given; `delayMs` makes each write slow to complete. */
function sink(opts: { highWaterMark?: number; delayMs?: number } = {}) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      if (opts.delayMs) setTimeout(done, opts.delayMs);
      else done();
    },
  });
  const finished = new Promise<Buffer>((resolve, reject) => {
    stream.on('finish', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
  return { stream, chunks, finished };
}

async function write(rows: XlsxCell[][], out = sink()): Promise<Buffer> {
  const w = new XlsxSheetWriter(out.stream, '项目列表', COLUMNS);
  for (const r of rows) w.addRow(r);
  await w.flush();
  await w.end();
  return out.finished;
}

async function read(bytes: Buffer) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  return book.worksheets[0]!;
}

const text = (v: ExcelJS.CellValue) =>
  typeof v === 'object' && v !== null && 'richText' in v ? v.richText.map((t) => t.text).join('') : v;

describe('xlsx writer', () => {
  it('reads back with its values, the money format, the bold frozen header and the widths', async () => {
    const sheet = await read(
      await write([
        ['A&B <改造> "二期" \'甲\'', 1234567.89, 40],
        ['  前后有空格 ', 0, 100],
        ['一行\n两行\t制表', -12.5, 0],
        ['emoji 🏗 ok', 0.01, 7],
        ['', 99999999999.99, 1],
      ]),
    );
    expect(sheet.name).toBe('项目列表');
    expect(sheet.rowCount).toBe(6);
    expect(sheet.getRow(1).values).toEqual([undefined, '名称', '金额（元）', '进度']);
    for (let c = 1; c <= 3; c++) expect(sheet.getRow(1).getCell(c).font?.bold).toBe(true);
    const values = [2, 3, 4, 5].map((r) => [1, 2, 3].map((c) => text(sheet.getRow(r).getCell(c).value)));
    expect(values).toEqual([
      ['A&B <改造> "二期" \'甲\'', 1234567.89, 40],
      ['  前后有空格 ', 0, 100],
      ['一行\n两行\t制表', -12.5, 0],
      ['emoji 🏗 ok', 0.01, 7],
    ]);
    expect(sheet.getRow(6).getCell(2).value).toBe(99999999999.99);
    expect(sheet.getColumn(2).numFmt).toBe('#,##0.00');
    expect(sheet.getRow(2).getCell(2).numFmt).toBe('#,##0.00');
    expect(sheet.getColumn(1).numFmt).toBeUndefined();
    expect(sheet.getRow(2).getCell(2).font?.bold).toBeFalsy();
    expect(sheet.columns.map((c) => c.width)).toEqual([30, 15, 8]);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('drops the characters XML 1.0 forbids and keeps the rest of the text', async () => {
    const odd = `a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\uFFFEh\uFFFFi\uD800j\uDC00k\r\nl`;
    expect(xmlEscape(odd)).toBe('abcdefghijk&#13;\nl');
    const sheet = await read(await write([[odd, 1, 1]]));
    expect(text(sheet.getRow(2).getCell(1).value)).toBe('abcdefghijk\r\nl');
  });

  it('marks text with edge whitespace to be kept as it is (Excel trims it otherwise)', async () => {
    const xml = new TextDecoder().decode(
      unzipSync(
        await write([
          ['  两边 ', 1, 1],
          ['中间 空格', 1, 1],
        ]),
      )['xl/worksheets/sheet1.xml'],
    );
    expect(xml).toContain('<t xml:space="preserve">  两边 </t>');
    expect(xml).toContain('<t>中间 空格</t>');
  });

  it('gives a header-only file for no rows', async () => {
    const sheet = await read(await write([]));
    expect(sheet.rowCount).toBe(1);
    expect(sheet.getRow(1).getCell(1).value).toBe('名称');
  });

  it('is a zip whose parts inflate to what its directory says, checksums included', async () => {
    const bytes = await write([['x', 1, 2]]);
    const parts = unzipSync(bytes);
    expect(Object.keys(parts).sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
    ]);
    // The central directory (no archive comment, so its end record is the last 22 bytes).
    const end = bytes.length - 22;
    expect(bytes.readUInt32LE(end)).toBe(0x06054b50);
    let at = bytes.readUInt32LE(end + 16);
    for (let i = 0; i < bytes.readUInt16LE(end + 10); i++) {
      expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
      const nameLength = bytes.readUInt16LE(at + 28);
      const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
      const data = parts[name]!;
      expect(bytes.readUInt32LE(at + 16), name).toBe(crc32(data));
      expect(bytes.readUInt32LE(at + 24), name).toBe(data.length);
      at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    }
    expect(new TextDecoder().decode(parts['xl/worksheets/sheet1.xml'])).toMatch(
      /<\/sheetData><\/worksheet>$/,
    );
  });

  it('sends each flushed batch before the next is added, and waits for a slow output', async () => {
    const out = sink({ highWaterMark: 1024, delayMs: 1 });
    const w = new XlsxSheetWriter(out.stream, '项目列表', COLUMNS);
    const sent: number[] = [];
    let n = 0;
    for (let batch = 0; batch < 5; batch++) {
      for (let i = 0; i < 500; i++, n++) w.addRow([`项目${n} ${'某'.repeat(n % 40)}`, n / 100, n % 101]);
      await w.flush();
      sent.push(out.chunks.reduce((a, c) => a + c.length, 0));
      // Flush returned only once the output had taken the batch in (it asks for more below its mark).
      expect(out.stream.writableLength).toBeLessThanOrEqual(out.stream.writableHighWaterMark);
    }
    await w.end();
    const sheet = await read(await out.finished);
    expect(sent.every((s, i) => i === 0 || s > sent[i - 1]!)).toBe(true);
    expect(sheet.rowCount).toBe(2501);
    expect(sheet.getRow(2501).values).toEqual([
      undefined,
      `项目2499 ${'某'.repeat(2499 % 40)}`,
      24.99,
      2499 % 101,
    ]);
  });

  it('fails the write, rather than waiting for ever, when the output closes', async () => {
    const out = sink({ highWaterMark: 16, delayMs: 50 });
    const w = new XlsxSheetWriter(out.stream, '项目列表', COLUMNS);
    for (let i = 0; i < 2000; i++) w.addRow([`项目${i}`, i, i % 101]);
    setTimeout(() => out.stream.destroy(), 5);
    await expect(w.flush()).rejects.toThrow(/closed/);
    await expect(w.flush()).rejects.toThrow(/closed/);
  });
});
