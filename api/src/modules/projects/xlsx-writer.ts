/**
 * A one-sheet xlsx written as it goes: SpreadsheetML text built by hand, zipped into the output
 * stream. It exists because exceljs's streaming writer renders every cell's style to XML to find its
 * style id, which made it most of the api's CPU in a large export; here the three styles are fixed
 * ids decided once.
 *
 * Strings are inline (no shared-string table to hold in memory), so what is buffered is only the
 * rows added since the last flush, and flush waits while the output is full.
 */
import type { Writable } from 'node:stream';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { Zip, type AsyncFlateStreamHandler, type ZipInputFile } from 'fflate';

export interface XlsxColumn {
  header: string;
  width: number;
  /** Numbers shown as #,##0.00. */
  money?: boolean;
}

export type XlsxCell = string | number;

// Ids into styles.xml's cellXfs below.
const BOLD = 1;
const MONEY = 2;

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const CONTENT_TYPES =
  `${HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
  '</Types>';

const ROOT_RELS =
  `${HEAD}<Relationships xmlns="${PKG_REL}">` +
  `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/>` +
  '</Relationships>';

const WORKBOOK_RELS =
  `${HEAD}<Relationships xmlns="${PKG_REL}">` +
  `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
  `<Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/>` +
  '</Relationships>';

// numFmtId 4 is the builtin "#,##0.00": no custom format to declare.
const STYLES =
  `${HEAD}<styleSheet xmlns="${MAIN}">` +
  '<fonts count="2">' +
  '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
  '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
  '</fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="3">' +
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  `<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
  `<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
  '</cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

// Characters XML 1.0 cannot carry at all, lone surrogates included: dropped, since a parser would
// refuse the whole file for one of them.
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Anything needing work; most cells have none of it and are taken as they are.
// eslint-disable-next-line no-control-regex -- as above
const NEEDS_WORK = /[\x00-\x1F&<>"\uD800-\uDFFF\uFFFE\uFFFF]/;
// A carriage return as a reference, or the parser would turn it into a newline.
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\r': '&#13;',
};

/** `s` as XML text or attribute content, with what XML 1.0 forbids removed. */
export function xmlEscape(s: string): string {
  if (!NEEDS_WORK.test(s)) return s;
  return s.replace(FORBIDDEN, '').replace(/[&<>"\r]/g, (c) => ENTITIES[c]!);
}

/** A, B, …, Z, AA, … for a 0-based column index. */
function columnLetters(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

export class XlsxSheetWriter {
  private readonly zip: Zip;
  private readonly sheet: DeflatedPart;
  private readonly letters: string[];
  private readonly moneyStyle: boolean[];
  private out: Uint8Array[] = [];
  private failure: Error | undefined;
  // Encoded row by row: one large string's utf8 encoding cost several times as much.
  private rows: Buffer[] = [];
  private rowNo = 0;

  /** Sends nothing yet: the first flush (or end) does. The first row is `columns`' headers, bold and frozen. */
  constructor(
    private readonly stream: Writable,
    sheetName: string,
    columns: XlsxColumn[],
  ) {
    if (!/^[^[\]:*?/\\]{1,31}$/.test(sheetName)) throw new Error(`not a usable sheet name: ${sheetName}`);
    this.letters = columns.map((_, i) => columnLetters(i));
    this.moneyStyle = columns.map((c) => c.money === true);
    this.zip = new Zip((err, chunk) => {
      if (err) this.failure ??= err;
      else this.out.push(chunk);
    });
    const part = (name: string, text: string) => {
      const f = new DeflatedPart(name);
      this.zip.add(f);
      f.push(Buffer.from(text, 'utf8'), true);
    };
    part('[Content_Types].xml', CONTENT_TYPES);
    part('_rels/.rels', ROOT_RELS);
    part(
      'xl/workbook.xml',
      `${HEAD}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><bookViews><workbookView/></bookViews>` +
        `<sheets><sheet name="${xmlEscape(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    );
    part('xl/_rels/workbook.xml.rels', WORKBOOK_RELS);
    part('xl/styles.xml', STYLES);
    this.sheet = new DeflatedPart('xl/worksheets/sheet1.xml');
    this.zip.add(this.sheet);
    const cols = columns
      .map(
        (c, i) =>
          `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"${c.money ? ` style="${MONEY}"` : ''}/>`,
      )
      .join('');
    this.rows.push(
      Buffer.from(
        `${HEAD}<worksheet xmlns="${MAIN}" xmlns:r="${REL}">` +
          '<sheetViews><sheetView tabSelected="1" workbookViewId="0">' +
          '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
          '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' +
          '</sheetView></sheetViews>' +
          '<sheetFormatPr defaultRowHeight="15"/>' +
          `<cols>${cols}</cols><sheetData>`,
      ),
    );
    this.addCells(
      columns.map((c) => c.header),
      BOLD,
    );
  }

  /** Buffers one row; it leaves at the next flush. */
  addRow(cells: XlsxCell[]): void {
    this.addCells(cells, 0);
  }

  private addCells(cells: XlsxCell[], style: number): void {
    const r = ++this.rowNo;
    let xml = `<row r="${r}">`;
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i]!;
      const s = style || (this.moneyStyle[i] ? MONEY : 0);
      const head = `<c r="${this.letters[i] ?? columnLetters(i)}${r}"${s ? ` s="${s}"` : ''}`;
      if (typeof v === 'number' && Number.isFinite(v)) {
        xml += `${head}><v>${v}</v></c>`;
      } else {
        const text = xmlEscape(String(v));
        const keep =
          text.length > 0 && (isSpace(text.charCodeAt(0)) || isSpace(text.charCodeAt(text.length - 1)));
        xml += `${head} t="inlineStr"><is><t${keep ? ' xml:space="preserve"' : ''}>${text}</t></is></c>`;
      }
    }
    this.rows.push(Buffer.from(`${xml}</row>`, 'utf8'));
  }

  /** Compresses the buffered rows and writes them out, waiting while the output is full. */
  async flush(): Promise<void> {
    if (this.rows.length > 0) this.sheet.push(Buffer.concat(this.rows));
    this.rows = [];
    await this.send();
  }

  /** Writes the rest of the file and ends the output. */
  async end(): Promise<void> {
    this.rows.push(Buffer.from('</sheetData></worksheet>', 'utf8'));
    this.sheet.push(Buffer.concat(this.rows), true);
    this.rows = [];
    this.zip.end();
    await this.send();
    this.stream.end();
  }

  private async send(): Promise<void> {
    if (!this.failure && this.stream.destroyed)
      this.failure = new Error('xlsx: the output closed before the file was complete');
    if (this.failure) throw this.failure;
    if (this.out.length === 0) return;
    const chunk = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    if (!this.stream.write(chunk)) await drained(this.stream);
  }
}

/**
 * One file of the zip, deflated by node's zlib rather than fflate's own deflate (several times
 * faster, and it was the writer's largest cost). Each chunk is compressed on its own and ends in a
 * sync flush, which leaves the output byte-aligned with no final block, so the pieces concatenate
 * into one valid deflate stream; the last chunk finishes it. fflate's Zip does the container.
 * Level 1: about a fifth larger than level 6 in a quarter of the time, and CPU is what the api is
 * short of in a large export.
 */
class DeflatedPart implements ZipInputFile {
  readonly compression = 8;
  crc = 0;
  size = 0;
  ondata: AsyncFlateStreamHandler = () => {
    throw new Error('xlsx: a part was written before it was added to the zip');
  };

  constructor(readonly filename: string) {}

  push(chunk: Buffer, final = false): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    const finishFlush = final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
    this.ondata(null, deflateRawSync(chunk, { level: 1, finishFlush }), final);
  }
}

/** Resolves on 'drain'; rejects if the output errs or closes first (a client gone away). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', settle);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('xlsx: the output closed before the file was complete'));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', settle);
  });
}
