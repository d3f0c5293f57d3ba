/**
 * The circular as a Word document (.docx) for the office to finish in its own editor: the layout of
 * a printed 通报 after GB/T 9704 (A4, its margins, 仿宋 三号 text at a fixed 28 pt line, 黑体
 * headings, a 小标宋 title, the red masthead and rule). Word substitutes a font it lacks.
 */
import type { CircularDto } from '#domain/circular/schemas.js';
import { localDateText } from './render-pdf.js';
import { zipStore } from './zip-store.js';

// XML 1.0 cannot carry most control characters at all: they are dropped, not escaped.
const esc = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

interface Para {
  text: string;
  font: string;
  /** Half-points: 三号 16 pt = 32, 二号 22 pt = 44. */
  size: number;
  align?: 'center' | 'right' | 'both';
  indent?: boolean;
  bold?: boolean;
  color?: string;
  ruleBelow?: boolean;
}

function para(p: Para): string {
  const ppr = [
    p.ruleBelow ? '<w:pBdr><w:bottom w:val="single" w:sz="18" w:space="4" w:color="C00000"/></w:pBdr>' : '',
    '<w:spacing w:line="560" w:lineRule="exact"/>',
    p.indent ? '<w:ind w:firstLineChars="200" w:firstLine="640"/>' : '',
    p.align ? `<w:jc w:val="${p.align}"/>` : '',
  ].join('');
  const rpr = [
    `<w:rFonts w:ascii="${p.font}" w:hAnsi="${p.font}" w:eastAsia="${p.font}" w:hint="eastAsia"/>`,
    p.bold ? '<w:b/>' : '',
    p.color ? `<w:color w:val="${p.color}"/>` : '',
    `<w:sz w:val="${p.size}"/><w:szCs w:val="${p.size}"/>`,
  ].join('');
  return `<w:p><w:pPr>${ppr}</w:pPr><w:r><w:rPr>${rpr}</w:rPr><w:t xml:space="preserve">${esc(p.text)}</w:t></w:r></w:p>`;
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export function circularDocx(c: CircularDto): Buffer {
  const issuer = c.issuer || '县专项监督办';
  const [year, month] = c.month.split('-');
  const body: Para[] = [
    ...(c.status === 'draft'
      ? [{ text: '草稿（未发布）', font: '黑体', size: 24, align: 'right' as const, color: '888888' }]
      : []),
    { text: `${issuer}通报`, font: '方正小标宋简体', size: 72, align: 'center', color: 'C00000', bold: true },
    {
      text: `${year}年第${Number(month)}期${c.edition > 1 ? `（第${c.edition}版）` : ''}`,
      font: '仿宋_GB2312',
      size: 32,
      align: 'center',
      ruleBelow: true,
    },
    { text: '', font: '仿宋_GB2312', size: 32 },
    { text: c.title, font: '方正小标宋简体', size: 44, align: 'center' },
    { text: '', font: '仿宋_GB2312', size: 32 },
    ...c.sections.flatMap((s): Para[] => [
      { text: s.heading, font: '黑体', size: 32, indent: true },
      ...s.body
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line): Para => ({
          text: line.trim(),
          font: '仿宋_GB2312',
          size: 32,
          indent: true,
          align: 'both',
        })),
    ]),
    { text: '', font: '仿宋_GB2312', size: 32 },
    { text: issuer, font: '仿宋_GB2312', size: 32, align: 'right' },
    { text: localDateText(c.publishedAt ?? c.generatedAt), font: '仿宋_GB2312', size: 32, align: 'right' },
  ];
  const document =
    XML +
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' +
    body.map(para).join('') +
    // A4 with the 公文 margins (37, 26, 35, 28 mm) in twentieths of a point.
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>' +
    '</w:body></w:document>';
  const parts: [string, string][] = [
    [
      '[Content_Types].xml',
      XML +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
        '</Types>',
    ],
    [
      '_rels/.rels',
      XML +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
        '</Relationships>',
    ],
    [
      'docProps/core.xml',
      XML +
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
        `<dc:title>${esc(c.title)}</dc:title><dc:creator>${esc(issuer)}</dc:creator></cp:coreProperties>`,
    ],
    ['word/document.xml', document],
  ];
  return zipStore(parts.map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') })));
}
