/**
 * The documentation stays navigable: every relative link in README.md, CHANGELOG.md and docs/*.md
 * points at a file of this repository, and the README stays short enough to read in ten minutes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README_MAX_LINES = 120;
const README_MAX_LINE_LENGTH = 200;

const docs = [
  'README.md',
  'CHANGELOG.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

// [text](target "title") and ![alt](target); the text may hold one level of brackets.
const INLINE = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+["'][^)]*["'])?\s*\)/g;
// [label]: target (reference definitions)
const REFERENCE = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm;
// <img src="…"> and <a href="…">
const HTML = /<(?:img|a)\s[^>]*?(?:src|href)\s*=\s*["']([^"']+)["']/gi;

/** Link targets of a markdown text, outside fenced code blocks and inline code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  return [INLINE, REFERENCE, HTML].flatMap((re) => [...prose.matchAll(re)].map((m) => m[1]!));
}

/** Why a link from `file` (relative to the repository root) is broken, or null when it is fine. */
function brokenLink(file: string, target: string, root = ROOT): string | null {
  if (target === '' || target.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(target)) return null;
  const clean = decodeURIComponent(target.replace(/[#?].*$/, ''));
  if (clean.startsWith('/')) return `${target}: an absolute path (use a path relative to ${file})`;
  const resolved = path.resolve(root, path.dirname(file), clean);
  const inside = path.relative(root, resolved);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return `${target}: outside the repository`;
  if (!fs.existsSync(resolved)) return `${target}: no such file (${inside})`;
  return null;
}

describe('documentation links', () => {
  it.each(docs)('%s: every relative link resolves inside the repository', (file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const broken = linkTargets(text)
      .map((t) => brokenLink(file, t))
      .filter((b) => b !== null);
    expect(broken).toEqual([]);
  });

  it('finds links and refuses broken ones (the check itself can fail)', () => {
    const md = [
      '[ok](docs/domain.md) ![pic](docs/detail-table.png "title") [anchor](#x) [web](https://example.org)',
      '[gone](docs/no-such-page.md#part) [out](../outside.md)',
      '`[in code](nowhere.md)`',
      '```',
      '[in a fence](nowhere.md)',
      '```',
      '[ref]: docs/missing.md',
    ].join('\n');
    const targets = linkTargets(md);
    expect(targets).not.toContain('nowhere.md');
    expect(targets.map((t) => brokenLink('README.md', t)).filter(Boolean)).toEqual([
      'docs/no-such-page.md#part: no such file (docs/no-such-page.md)',
      '../outside.md: outside the repository',
      'docs/missing.md: no such file (docs/missing.md)',
    ]);
  });
});

describe('README', () => {
  const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n');

  it(`reads in ten minutes: at most ${README_MAX_LINES} lines`, () => {
    expect(lines.length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it(`has no line over ${README_MAX_LINE_LENGTH} characters`, () => {
    const long = lines
      .map((l, i) => ({ line: i + 1, length: [...l].length }))
      .filter((l) => l.length > README_MAX_LINE_LENGTH);
    expect(long).toEqual([]);
  });
});
