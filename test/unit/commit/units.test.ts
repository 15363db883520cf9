// Pure pieces of the commit service: edits, paths, idents/messages, line diff and hunks (against
// outputs of `git diff` 2.39), rename similarity, merge base.
import { describe, expect, it } from 'vitest';
import { applyEdits, EditError, validateEdits } from '../../../src/commit/edits';
import { normalizePath, isDotGitName } from '../../../src/commit/paths';
import { cleanupMessage, withoutCrud, parseIdentInput, formatIdent } from '../../../src/commit/ident';
import { diffLines, isBinary, splitLines, unifiedHunks } from '../../../src/commit/diff';
import { MAX_SCORE, similarity, spanHash } from '../../../src/commit/similarity';
import { parseCompareSpec } from '../../../src/commit/compare';
import { ServiceError } from '../../../src/commit/errors';
import cases from './diff-cases.json';

const enc = (s: string) => new TextEncoder().encode(s);

describe('edits', () => {
  const text = 'alpha\nbeta\ngamma\ndelta\n';
  it('string replacement needs exactly one match', () => {
    expect(applyEdits(text, [{ oldString: 'beta', newString: 'BETA' }])).toBe('alpha\nBETA\ngamma\ndelta\n');
    expect(() => applyEdits(text, [{ oldString: 'zeta', newString: '' }])).toThrow(/not found/);
    expect(() => applyEdits(text, [{ oldString: 'a\n', newString: '' }])).toThrow(/ambiguous/);
    expect(() => applyEdits('aa', [{ oldString: 'a', newString: 'b' }])).toThrow(/ambiguous/);
    expect(() => applyEdits('aaa', [{ oldString: 'aa', newString: 'b' }])).toThrow(/ambiguous/); // overlapping occurrences count
  });
  it('line ranges: replace, delete, insert, append; against the original', () => {
    expect(applyEdits(text, [{ startLine: 2, endLine: 3, newText: 'B\nC' }])).toBe('alpha\nB\nC\ndelta\n');
    expect(applyEdits(text, [{ startLine: 1, endLine: 1, newText: '' }])).toBe('beta\ngamma\ndelta\n');
    expect(applyEdits(text, [{ startLine: 3, endLine: 2, newText: 'inserted' }])).toBe('alpha\nbeta\ninserted\ngamma\ndelta\n');
    expect(applyEdits(text, [{ startLine: 5, endLine: 4, newText: 'end' }])).toBe(text + 'end\n');
    expect(applyEdits(text, [{ startLine: 4, endLine: 4, newText: 'D' }, { startLine: 1, endLine: 1, newText: 'A' }])).toBe('A\nbeta\ngamma\nD\n');
    expect(applyEdits(text, [{ startLine: 1, endLine: 1, newText: 'A' }, { oldString: 'delta', newString: 'D' }])).toBe('A\nbeta\ngamma\nD\n');
  });
  it('keeps a missing final newline missing', () => {
    expect(applyEdits('a\nb', [{ startLine: 2, endLine: 2, newText: 'c' }])).toBe('a\nc');
    expect(applyEdits('a\nb', [{ startLine: 3, endLine: 2, newText: 'c' }])).toBe('a\nb\nc');
    expect(applyEdits('', [{ startLine: 1, endLine: 0, newText: 'x' }])).toBe('x\n');
  });
  it('rejects overlaps and bad ranges', () => {
    expect(() => applyEdits(text, [{ startLine: 1, endLine: 2, newText: '' }, { startLine: 2, endLine: 3, newText: '' }])).toThrow(EditError);
    expect(() => applyEdits(text, [{ startLine: 2, endLine: 1, newText: 'x' }, { startLine: 2, endLine: 1, newText: 'y' }])).toThrow(/overlap/);
    expect(() => applyEdits(text, [{ startLine: 6, endLine: 6, newText: '' }])).toThrow(/out of range/);
    expect(validateEdits([])).toMatch(/non-empty/);
    expect(validateEdits([{ startLine: 3, endLine: 1, newText: '' }])).toMatch(/startLine/);
    expect(validateEdits([{ oldString: '', newString: 'x' }])).toMatch(/empty/);
    expect(validateEdits([{ foo: 1 }])).toMatch(/needs/);
  });
});

describe('paths', () => {
  it('normalises', () => {
    expect(normalizePath('/a/./b/', 'p')).toBe('a/b');
    expect(normalizePath('ü/ß.txt', 'p')).toBe('ü/ß.txt');
  });
  it('rejects what git or checkouts would not take', () => {
    for (const bad of ['', '/', 'a//b', '../x', 'a/../b', '.git', 'x/.Git/y', '.git.', 'GIT~1', '.g\u200cit', 'a\0b', 'x'.repeat(256), 'a/' + 'b/'.repeat(2100)]) {
      expect(() => normalizePath(bad, 'p'), JSON.stringify(bad.slice(0, 20))).toThrow(ServiceError);
    }
    expect(isDotGitName('.gitignore')).toBe(false);
    expect(normalizePath('.gitignore', 'p')).toBe('.gitignore');
    expect(normalizePath('a/.github/x', 'p')).toBe('a/.github/x');
  });
});

describe('idents and messages', () => {
  it('strips crud like git', () => {
    expect(withoutCrud('  "Jane Doe"  ')).toBe('Jane Doe');
    expect(withoutCrud('Dr. Who.')).toBe('Dr. Who.');
    expect(withoutCrud('a<b>c\nd')).toBe('abcd');
  });
  it('formats dates and zones', () => {
    const i = parseIdentInput({ name: 'N', email: 'e@x', date: '@1700000000 -0130' }, 'author', 0);
    expect(formatIdent(i)).toBe('N <e@x> 1700000000 -0130');
    expect(formatIdent(parseIdentInput({ name: 'N', email: 'e@x' }, 'author', 5_000_999))).toBe('N <e@x> 5000 +0000');
    expect(formatIdent(parseIdentInput({ name: 'N', email: 'e@x', date: '2020-01-01T00:00:00Z' }, 'a', 0))).toBe('N <e@x> 1577836800 +0000');
  });
  it('cleans messages like git commit -m', () => {
    expect(cleanupMessage('subject')).toBe('subject\n');
    expect(cleanupMessage('\n  \nsubject  \t\n\n\n\nbody\r\n\n')).toBe('subject\n\nbody\n');
    expect(cleanupMessage('# kept\n')).toBe('# kept\n');
    expect(cleanupMessage(' \n\t\n')).toBe('');
  });
});

describe('line diff', () => {
  for (const [name, c] of Object.entries(cases as Record<string, { a: string; b: string; hunks: string }>)) {
    it(`matches git diff: ${name}`, () => {
      const a = splitLines(enc(c.a));
      const b = splitLines(enc(c.b));
      expect(unifiedHunks(a, b, diffLines(a, b)).text).toBe(c.hunks);
    });
  }

  it('counts and reconstructs', () => {
    const rnd = (() => {
      let s = 7;
      return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    })();
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: Math.floor(rnd() * 40) }, () => `${Math.floor(rnd() * 6)}\n`);
      const b = a.filter(() => rnd() > 0.2).map((l) => (rnd() < 0.1 ? 'x\n' : l));
      if (rnd() < 0.5) b.splice(Math.floor(rnd() * b.length), 0, 'new\n');
      const blocks = diffLines(a, b);
      // Applying the blocks to a gives b.
      const out: string[] = [];
      let i = 0;
      for (const blk of blocks) {
        while (i < blk.a) out.push(a[i++]);
        out.push(...b.slice(blk.b, blk.b + blk.ins));
        i += blk.del;
      }
      while (i < a.length) out.push(a[i++]);
      expect(out).toEqual(b);
      const h = unifiedHunks(a, b, blocks);
      expect(h.additions).toBe(blocks.reduce((n, x) => n + x.ins, 0));
    }
  });

  it('is minimal on simple cases and fast on big ones', () => {
    const a = Array.from({ length: 20000 }, (_, i) => `line ${i}\n`);
    const b = a.map((l, i) => (i % 1000 === 0 ? `changed ${i}\n` : l));
    const h = unifiedHunks(a, b);
    expect(h.additions).toBe(20);
    expect(h.deletions).toBe(20);
    const c = Array.from({ length: 20000 }, (_, i) => `other ${i}\n`);
    const t0 = Date.now();
    const h2 = unifiedHunks(a, c);
    expect(h2.additions).toBe(20000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('detects binary like git', () => {
    expect(isBinary(enc('text\n'))).toBe(false);
    expect(isBinary(new Uint8Array([65, 0, 66]))).toBe(true);
    const late = new Uint8Array(9000).fill(65);
    late[8500] = 0;
    expect(isBinary(late)).toBe(false);
  });
});

describe('similarity and compare specs', () => {
  it('scores like diffcore-delta', () => {
    const a = enc(Array.from({ length: 10 }, (_, i) => `line number ${i}\n`).join(''));
    expect(similarity(a.length, a.length, () => spanHash(a), () => spanHash(a))).toBe(MAX_SCORE);
    const b = enc(Array.from({ length: 10 }, (_, i) => (i === 3 ? 'changed\n' : `line number ${i}\n`)).join(''));
    const s = similarity(a.length, b.length, () => spanHash(a), () => spanHash(b));
    expect(s).toBeGreaterThan(0.8 * MAX_SCORE);
    expect(s).toBeLessThan(MAX_SCORE);
    expect(similarity(10, 1000, () => new Map(), () => new Map())).toBe(0);
  });
  it('parses base...head and base..head', () => {
    expect(parseCompareSpec('main...feature/x')).toEqual({ base: 'main', head: 'feature/x', threeDot: true });
    expect(parseCompareSpec('v1.0..v2.0')).toEqual({ base: 'v1.0', head: 'v2.0', threeDot: false });
    expect(() => parseCompareSpec('main')).toThrow(ServiceError);
  });
});
