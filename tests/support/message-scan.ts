/**
 * Finds, with the TypeScript compiler (parser and type checker, not a regex), every place in the
 * server's sources where the text of an api error is produced, and checks that each would read
 * Chinese to a zh-CN caller and carry no Chinese for an en caller (data quoted in 「…」, “…” or "…"
 * excepted, as `splitBilingual` excepts it).
 *
 * The places:
 *  - the message of every `new AppError(code, message, details)`, and each `message` of a
 *    field-error detail (an object literal with `path` and `message`, wherever it is built);
 *  - every argument of `splitBilingual` (it turns the house form "中文 (English)" into the pair);
 *  - the message of every `ApplicationFailure` a workflow or activity raises (the api relays a
 *    refused step's message);
 *  - every custom message of a zod schema (`params` as a string or its `error`/`message`, and
 *    `ctx.addIssue({ message })`): the api answers a failed parse with it;
 *  - every `{ zh, en }` object literal, and every table keyed `'zh-CN'`/`zh` and `en`: a value of
 *    type `Bilingual` is taken on trust only because every literal one is checked here.
 * A message that is a function's parameter is followed to every call of that function; a `const`
 * to its initializer (across imports). Substitutions in template literals are data (a code, a
 * name), except `x.zh`/`x.en`, which must sit on their own language's side, and consts, which are
 * inlined. A message the scan cannot see through (a value read at run time) is a finding unless
 * the allowance list names it with the reason it is in the caller's language anyway.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { splitBilingual } from '../../domain/errors.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Every server-side folder; web/ is the console's (its strings are checked by tests/unit/i18n.test.ts). */
const DIRS = ['api', 'domain', 'db', 'activities', 'workflows', 'worker', 'platform', 'scripts'];

const HAN = /\p{Script=Han}/u;
const LATIN = /[A-Za-z]/;
const QUOTED = /「[^」]*」|“[^”]*”|"[^"]*"/g;
/** What a data substitution (`${code}`) reads as: neither Chinese nor a Latin letter. */
const DATA = '#';

export interface Finding {
  /** file:line */
  at: string;
  code: string;
  problem: string;
}

/**
 * A message the scan cannot see through (a value read at run time, a pair built from one), named by
 * file and expression as written (whitespace collapsed), with why it is fine. Only consulted where
 * the scan would otherwise say "cannot tell": a literal is always checked.
 */
export interface Allowance {
  file: string;
  expr: string;
  why: string;
}

/** A file whose zod schemas never answer an api caller, with why. */
export interface NotApi {
  file: string;
  why: string;
}

export interface ScanResult {
  findings: Finding[];
  /** How many producers of each kind were checked: a scan that saw nothing cannot pass. */
  counts: Record<string, number>;
  unusedAllowances: Allowance[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' || d.name === 'dist' ? [] : sourceFiles(p);
    return /\.ts$/.test(d.name) && !/\.(test|d)\.ts$/.test(d.name) ? [p] : [];
  });
}

/**
 * `extraFiles` (absolute path → source) are compiled and scanned with the rest: the test plants
 * bad messages there to prove the scan catches them.
 */
export function scanMessages(opts: {
  allowances: Allowance[];
  notApi?: NotApi[];
  extraFiles?: Record<string, string>;
}): ScanResult {
  const extra = opts.extraFiles ?? {};
  const roots = [...DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d))), ...Object.keys(extra)];
  const options = ts.parseJsonConfigFileContent(
    ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile).config,
    ts.sys,
    ROOT,
  ).options;
  // Only our own modules and zod (whose parameter names tell a message from a value) are loaded:
  // other packages' types (Temporal's protobufs, MikroORM, Node) cost most of the time and say
  // nothing about messages, so they stay unresolved (any).
  options.types = [];
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  const ownOrZod = (name: string) => /^(\.|#|zod(\/|$))/.test(name);
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts) =>
    literals.map((l) =>
      ownOrZod(l.text)
        ? ts.resolveModuleName(l.text, containingFile, opts, host, undefined, redirected)
        : { resolvedModule: undefined },
    );
  host.getSourceFile = (f, lang, ...rest) =>
    f in extra ? ts.createSourceFile(f, extra[f]!, lang, true) : getSourceFile.call(host, f, lang, ...rest);
  host.fileExists = (f) => f in extra || fileExists.call(host, f);
  host.readFile = (f) => (f in extra ? extra[f] : readFile.call(host, f));
  const program = ts.createProgram({ rootNames: roots, options, host });
  const checker = program.getTypeChecker();
  const ours = program
    .getSourceFiles()
    .filter((sf) => roots.includes(path.normalize(sf.fileName)) || sf.fileName in extra);

  const findings: Finding[] = [];
  const counts: Record<string, number> = {};
  const used = new Set<Allowance>();
  const count = (kind: string) => (counts[kind] = (counts[kind] ?? 0) + 1);
  const rel = (sf: ts.SourceFile) => path.relative(ROOT, sf.fileName);
  const oneLine = (n: ts.Node) => n.getText().replace(/\s+/g, ' ').slice(0, 160);
  const report = (node: ts.Node, problem: string) => {
    const sf = node.getSourceFile();
    const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    const at = `${rel(sf)}:${line}`;
    if (!findings.some((f) => f.at === at && f.problem === problem && f.code === oneLine(node)))
      findings.push({ at, code: oneLine(node), problem });
  };
  const allowed = (node: ts.Node) => {
    const a = opts.allowances.find(
      (x) => x.file === rel(node.getSourceFile()) && x.expr === node.getText().replace(/\s+/g, ' '),
    );
    if (a) used.add(a);
    return a !== undefined;
  };

  // Every call and `new` in our sources, by the name it calls (`f(…)`, `x.f(…)`, `new F(…)`); a
  // message parameter of `f` is followed to those of them that resolve to its declaration.
  const callsNamed = new Map<string, (ts.CallExpression | ts.NewExpression)[]>();
  const visitAll = (visit: (n: ts.Node) => void) => {
    for (const sf of ours) {
      const walk = (n: ts.Node) => {
        visit(n);
        ts.forEachChild(n, walk);
      };
      walk(sf);
    }
  };
  const calleeName = (e: ts.Expression): string | undefined =>
    ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  visitAll((n) => {
    if (!ts.isCallExpression(n) && !ts.isNewExpression(n)) return;
    const name = calleeName(n.expression);
    if (name) callsNamed.set(name, [...(callsNamed.get(name) ?? []), n]);
  });
  /** The name a function is called by: its own, or the variable or property it is assigned to. */
  function nameOf(fn: ts.SignatureDeclaration): string | undefined {
    if (fn.name && (ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name))) return fn.name.text;
    if (ts.isConstructorDeclaration(fn)) return fn.parent.name?.text;
    const p = fn.parent;
    if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) && ts.isIdentifier(p.name))
      return p.name.text;
    return undefined;
  }
  function callsOf(fn: ts.SignatureDeclaration): (ts.CallExpression | ts.NewExpression)[] {
    const name = nameOf(fn);
    return (name ? (callsNamed.get(name) ?? []) : []).filter(
      (c) => checker.getResolvedSignature(c)?.declaration === fn,
    );
  }

  function declarationOf(node: ts.Node): ts.Declaration | undefined {
    let sym =
      ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    return sym?.valueDeclaration ?? sym?.declarations?.[0];
  }

  /** The initializer of a `const` the identifier names, if it is one. */
  function constInit(id: ts.Identifier): ts.Expression | undefined {
    const d = declarationOf(id);
    if (d && ts.isVariableDeclaration(d) && d.initializer && ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const)
      return d.initializer;
    return undefined;
  }

  const unwrap = (e: ts.Expression): ts.Expression =>
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isNonNullExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isTypeAssertionExpression(e)
      ? unwrap(e.expression)
      : e;

  const isStringy = (e: ts.Expression) =>
    ts.isStringLiteral(e) ||
    ts.isNoSubstitutionTemplateLiteral(e) ||
    ts.isTemplateExpression(e) ||
    (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken);

  /** A `Bilingual` (or a union of them): built, where it was a literal, under the pair rule. */
  function isPairType(e: ts.Expression): boolean {
    const t = checker.getTypeAtLocation(e);
    const parts = t.isUnion() ? t.types : [t];
    return parts.every(
      (p) => !!p.getProperty('zh') && !!p.getProperty('en') && !(p.flags & ts.TypeFlags.StringLike),
    );
  }

  type Side = 'zh' | 'en' | undefined;
  const pairName = (p: ts.ObjectLiteralElementLike) =>
    p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
  const sideOf = (name: string | undefined): Side =>
    name === 'zh' || name === 'zh-CN' ? 'zh' : name === 'en' ? 'en' : undefined;

  /** `x.zh` inside the English side, or `x.en` inside the Chinese one. */
  function wrongSide(node: ts.Node, side: Side) {
    if (!side) return;
    const walk = (n: ts.Node) => {
      const name = ts.isPropertyAccessExpression(n)
        ? n.name.text
        : ts.isElementAccessExpression(n) && ts.isStringLiteral(n.argumentExpression)
          ? n.argumentExpression.text
          : undefined;
      if ((name === 'zh' && side === 'en') || (name === 'en' && side === 'zh'))
        report(n, `the ${side === 'en' ? 'English' : 'Chinese'} side reads the other language's text`);
      ts.forEachChild(n, walk);
    };
    walk(node);
  }

  /** A substitution as text: `.zh` reads as Chinese, `.en` as English, a const as itself, data as DATA. */
  function substitution(e: ts.Expression, seen: Set<ts.Node>): string[] {
    const x = unwrap(e);
    const name = ts.isPropertyAccessExpression(x)
      ? x.name.text
      : ts.isElementAccessExpression(x) && ts.isStringLiteral(x.argumentExpression)
        ? x.argumentExpression.text
        : undefined;
    if (name === 'zh') return ['中'];
    if (name === 'en') return ['x'];
    if (isStringy(x) || ts.isConditionalExpression(x)) return texts(x, seen);
    if (ts.isIdentifier(x)) {
      const init = constInit(x);
      if (init && !seen.has(init) && (isStringy(unwrap(init)) || ts.isConditionalExpression(unwrap(init))))
        return texts(init, new Set([...seen, init]));
    }
    return [DATA];
  }

  /** Every text a string expression can be, substitutions as `substitution` reads them (capped). */
  function texts(e: ts.Expression, seen = new Set<ts.Node>()): string[] {
    const x = unwrap(e);
    const product = (a: string[], b: string[]) => a.flatMap((s) => b.map((t) => s + t)).slice(0, 64);
    if (ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x)) return [x.text];
    if (ts.isTemplateExpression(x)) {
      let out = [x.head.text];
      for (const span of x.templateSpans)
        out = product(product(out, substitution(span.expression, seen)), [span.literal.text]);
      return out;
    }
    if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken)
      return product(substitution(x.left, seen), substitution(x.right, seen));
    if (ts.isConditionalExpression(x))
      return [...substitution(x.whenTrue, seen), ...substitution(x.whenFalse, seen)];
    return substitution(x, seen);
  }

  const strip = (s: string) => s.replace(QUOTED, '');
  /** Only data and punctuation: the words come from somewhere the scan does not see. */
  const opaque = (s: string) => !HAN.test(s) && !LATIN.test(s);

  function houseFormProblem(text: string): string | undefined {
    const b = splitBilingual(text);
    if (!HAN.test(b.zh)) return 'no Chinese for a zh-CN caller';
    if (HAN.test(strip(b.en)))
      return b.en === b.zh
        ? 'not in the house form "中文 (English)": an en caller gets the Chinese'
        : 'Chinese in the English part';
    return undefined;
  }

  function sideProblem(text: string, side: 'zh' | 'en'): string | undefined {
    if (side === 'zh') return HAN.test(text) ? undefined : 'the Chinese side has no Chinese';
    if (HAN.test(strip(text))) return 'the English side has Chinese';
    return LATIN.test(strip(text)) ? undefined : 'the English side has no English words';
  }

  /** One message: a string in the house form, a `{ zh, en }` pair, or something that yields one. */
  function checkMessage(e: ts.Expression, seen = new Set<ts.Node>()): void {
    if (seen.has(e)) return;
    seen.add(e);
    const x = unwrap(e);
    if (ts.isConditionalExpression(x)) {
      checkMessage(x.whenTrue, seen);
      checkMessage(x.whenFalse, seen);
      return;
    }
    if (
      ts.isBinaryExpression(x) &&
      (x.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        x.operatorToken.kind === ts.SyntaxKind.BarBarToken)
    ) {
      checkMessage(x.left, seen);
      checkMessage(x.right, seen);
      return;
    }
    if (ts.isObjectLiteralExpression(x)) {
      if (!checkPair(x)) report(x, 'an object that is not a { zh, en } pair');
      return;
    }
    if (isStringy(x)) {
      const all = texts(x);
      if (!all.every(opaque)) {
        for (const t of all) {
          const problem = houseFormProblem(t);
          if (problem) return report(x, problem);
        }
        return;
      }
    }
    if (ts.isCallExpression(x) && takesMessage(x)) return checkMessage(x.arguments[0]!, seen);
    if (isPairType(x)) return;
    if (ts.isIdentifier(x)) {
      const init = constInit(x);
      if (init) return checkMessage(init, seen);
      const d = declarationOf(x);
      if (d && ts.isParameter(d)) return checkParameter(d, x, seen);
    }
    if (allowed(x)) return;
    report(x, 'cannot tell the language of this message (make it a { zh, en } pair or a checked literal)');
  }

  /**
   * `schemaMessage(m)`, `schemaText(m)`, `textIn(m, lang)` (domain/errors.ts): the message is `m`.
   */
  function takesMessage(c: ts.CallExpression): boolean {
    const name = calleeName(c.expression);
    if (!name || !/^(schemaMessage|schemaText|textIn)$/.test(name) || !c.arguments[0]) return false;
    return declaredIn(declarationOf(c.expression), errorsModule);
  }

  /** A message parameter: what every call of its function passes. */
  function checkParameter(p: ts.ParameterDeclaration, use: ts.Node, seen: Set<ts.Node>) {
    const fn = p.parent;
    const i = fn.parameters.indexOf(p);
    const calls = callsOf(fn);
    if (p.dotDotDotToken || !calls.length)
      return report(use, 'a message parameter whose callers the scan cannot find');
    count('followed to a call');
    for (const c of calls) {
      const arg = c.arguments?.[i];
      if (arg) checkMessage(arg, seen);
    }
  }

  /**
   * A `{ zh, en }` pair, or a table with a `'zh-CN'`/`zh` and an `en` branch: each leaf in its
   * language. False when the object is not one.
   */
  function checkPair(o: ts.ObjectLiteralExpression): boolean {
    const branches = o.properties.map((p) => ({ p, side: sideOf(pairName(p)) })).filter((b) => b.side);
    if (!branches.some((b) => b.side === 'zh') || !branches.some((b) => b.side === 'en')) return false;
    // The zod shape of a pair (`{ zh: z.string(), en: z.string() }`) holds no text.
    const zodShape = (p: ts.ObjectLiteralElementLike) =>
      ts.isPropertyAssignment(p) && /^z\./.test(p.initializer.getText());
    if (branches.every((b) => zodShape(b.p))) return false;
    if (allowed(o)) return true;
    for (const { p, side } of branches) {
      const value = ts.isPropertyAssignment(p)
        ? p.initializer
        : ts.isShorthandPropertyAssignment(p)
          ? p.name
          : undefined;
      if (value) checkLeaf(value, side!);
      else report(p, 'a pair branch the scan cannot read');
    }
    return true;
  }

  function checkLeaf(e: ts.Expression, side: 'zh' | 'en', seen = new Set<ts.Node>()): void {
    if (seen.has(e)) return;
    seen.add(e);
    const x = unwrap(e);
    wrongSide(x, side);
    if (ts.isObjectLiteralExpression(x)) {
      // A table: every entry of the branch is in its language.
      for (const p of x.properties) {
        if (ts.isPropertyAssignment(p)) checkLeaf(p.initializer, side, seen);
        else if (ts.isMethodDeclaration(p) && p.body)
          returnsOf(p.body).forEach((r) => checkLeaf(r, side, seen));
      }
      return;
    }
    if (ts.isArrayLiteralExpression(x)) {
      for (const el of x.elements) checkLeaf(el, side, seen);
      return;
    }
    if (ts.isArrowFunction(x) || ts.isFunctionExpression(x)) {
      if (ts.isBlock(x.body)) returnsOf(x.body).forEach((r) => checkLeaf(r, side, seen));
      else checkLeaf(x.body, side, seen);
      return;
    }
    if (ts.isConditionalExpression(x)) {
      checkLeaf(x.whenTrue, side, seen);
      checkLeaf(x.whenFalse, side, seen);
      return;
    }
    if (ts.isIdentifier(x)) {
      const init = constInit(x);
      if (init) return checkLeaf(init, side, seen);
    }
    if (isStringy(x) || ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x)) {
      const all = texts(x);
      const params = substitutedParameters(x);
      // A parameter named for the side (`${zh}`), or every parameter of a side built from
      // parameters alone (`${param}: ${en}`), is that side's text: what the calls pass is checked.
      const followed = all.every(opaque) ? params : params.filter((p) => p.name.getText() === side);
      for (const p of followed) followSide(p, side, seen);
      if (!all.every(opaque)) {
        for (const t of all) {
          const problem = sideProblem(t, side);
          if (problem) return report(x, problem);
        }
        return;
      }
      if (followed.length) return;
    }
    if (ts.isIdentifier(x)) {
      const d = declarationOf(x);
      if (d && ts.isParameter(d)) return followSide(d, side, seen);
    }
    if (allowed(x)) return;
    report(x, `cannot tell the language of this ${side === 'zh' ? 'Chinese' : 'English'} text`);
  }

  /** The parameters a template or concatenation substitutes whole (`${zh}`, not `${x.zh}`). */
  function substitutedParameters(x: ts.Expression): ts.ParameterDeclaration[] {
    const parts = ts.isTemplateExpression(x)
      ? x.templateSpans.map((s) => s.expression)
      : ts.isBinaryExpression(x)
        ? [x.left, x.right]
        : [];
    return parts.flatMap((e) => {
      const d = ts.isIdentifier(unwrap(e)) ? declarationOf(unwrap(e)) : undefined;
      return d && ts.isParameter(d) ? [d] : [];
    });
  }

  /** A side's text taken from a parameter: each call's argument, in that language. */
  function followSide(p: ts.ParameterDeclaration, side: 'zh' | 'en', seen: Set<ts.Node>) {
    const fn = p.parent;
    const i = fn.parameters.indexOf(p);
    const calls = callsOf(fn);
    if (p.dotDotDotToken || !calls.length)
      return report(p, 'a message parameter whose callers the scan cannot find');
    count('followed to a call');
    for (const c of calls) {
      const arg = c.arguments?.[i];
      if (arg) checkLeaf(arg, side, seen);
    }
  }

  function returnsOf(body: ts.Block): ts.Expression[] {
    const out: ts.Expression[] = [];
    const walk = (n: ts.Node) => {
      if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
      if (!ts.isFunctionLike(n)) ts.forEachChild(n, walk);
    };
    ts.forEachChild(body, walk);
    return out;
  }

  const declaredIn = (decl: ts.Node | undefined, file: RegExp) =>
    !!decl && file.test(decl.getSourceFile().fileName.split(path.sep).join('/'));
  const errorsModule = /\/domain\/errors\.ts$/;

  const importsZod = new Set(
    ours.filter((sf) =>
      sf.statements.some(
        (st) =>
          ts.isImportDeclaration(st) &&
          ts.isStringLiteral(st.moduleSpecifier) &&
          /^zod(\/|$)/.test(st.moduleSpecifier.text),
      ),
    ),
  );
  const notApi = new Set((opts.notApi ?? []).map((n) => n.file));
  const mayCarryZodMessage = (c: ts.CallExpression) =>
    importsZod.has(c.getSourceFile()) &&
    !notApi.has(rel(c.getSourceFile())) &&
    c.arguments.some((a) => {
      const x = unwrap(a);
      return (
        isStringy(x) ||
        (ts.isObjectLiteralExpression(x) &&
          x.properties.some((p) => /^(error|message)$/.test(pairName(p) ?? '')))
      );
    });

  visitAll((n) => {
    // new AppError(code, message, details)
    if (ts.isNewExpression(n)) {
      if (calleeName(n.expression) !== 'AppError' && !ts.isIdentifier(n.expression)) return;
      const decl = declarationOf(n.expression);
      if (
        declaredIn(decl, errorsModule) &&
        decl &&
        ts.isClassDeclaration(decl) &&
        decl.name?.text === 'AppError'
      ) {
        count('new AppError');
        const [, message, details] = n.arguments ?? [];
        if (message) checkMessage(message);
        if (details && ts.isArrayLiteralExpression(unwrap(details))) count('details list');
      }
      return;
    }
    if (ts.isCallExpression(n)) {
      const name = calleeName(n.expression);
      // splitBilingual(message): its argument is a message in the house form.
      if (name === 'splitBilingual') {
        const decl = declarationOf(n.expression);
        if (declaredIn(decl, errorsModule) && n.arguments[0]) {
          count('splitBilingual');
          checkMessage(n.arguments[0]);
        }
        return;
      }
      // ApplicationFailure.nonRetryable(message, type) / .retryable(…): a refused step's message.
      // (Temporal's types are not loaded: the call is recognised by its spelling.)
      if (
        ts.isPropertyAccessExpression(n.expression) &&
        ts.isIdentifier(n.expression.expression) &&
        n.expression.expression.text === 'ApplicationFailure' &&
        /^(nonRetryable|retryable)$/.test(n.expression.name.text) &&
        n.arguments[0]
      ) {
        count('ApplicationFailure');
        checkMessage(n.arguments[0]);
        return;
      }
      // zod: a custom message, as `params` (a string, or `{ error | message }`) or an issue.
      if (!mayCarryZodMessage(n)) return;
      const sig = checker.getResolvedSignature(n);
      if (!declaredIn(sig?.declaration, /\/node_modules\/zod\//)) return;
      {
        const addIssue = ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'addIssue';
        n.arguments.forEach((arg, i) => {
          const param = sig!.parameters[Math.min(i, sig!.parameters.length - 1)]?.name ?? '';
          const a = unwrap(arg);
          const message = addIssue || /^_?params$/.test(param);
          if (message && isStringy(a)) {
            count('zod message');
            checkMessage(a);
          } else if (message && ts.isObjectLiteralExpression(a)) {
            for (const p of a.properties)
              if (ts.isPropertyAssignment(p) && /^(error|message)$/.test(pairName(p) ?? '')) {
                count('zod message');
                const v = unwrap(p.initializer);
                if (ts.isArrowFunction(v) && !ts.isBlock(v.body)) checkMessage(v.body);
                else checkMessage(v);
              }
          }
        });
      }
      return;
    }
    if (ts.isObjectLiteralExpression(n)) {
      // A { zh, en } pair or a per-language table, wherever it is.
      if (checkPair(n)) count('pair');
      // A field-error detail: { path, message }.
      const names = n.properties.map(pairName);
      if (names.includes('path') && names.includes('message')) {
        const m = n.properties.find((p) => pairName(p) === 'message')!;
        count('field detail');
        if (ts.isPropertyAssignment(m)) checkMessage(m.initializer);
        else if (ts.isShorthandPropertyAssignment(m)) checkMessage(m.name);
      }
    }
  });

  return {
    findings: findings.sort((a, b) => a.at.localeCompare(b.at, 'en', { numeric: true })),
    counts,
    unusedAllowances: opts.allowances.filter((a) => !used.has(a)),
  };
}
