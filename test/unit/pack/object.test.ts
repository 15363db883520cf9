import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  encodeLooseHeader,
  hashObject,
  hexToBytes,
  isOid,
  parseCommit,
  parseIdent,
  parseTag,
  parseTree,
  resolvePackInMemory,
  typeName,
  typeNum,
  validateObject,
  walkTree,
  PackError,
} from '../../../src/pack';
import { concat, dec, enc, fixturePack, packErrorOf } from './helpers';

const OID_A = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'; // the empty blob
const OID_B = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'; // the empty tree

/** Serialises tree entries as given (no sorting), so tests can build bad trees. */
function tree(...entries: [string, string, string?][]): Uint8Array {
  return concat(...entries.map(([mode, name, oid]) => concat(enc(`${mode} ${name}\0`), hexToBytes(oid ?? OID_A))));
}

describe('object basics', () => {
  it('maps type names and numbers', () => {
    expect([1, 2, 3, 4].map(typeName)).toEqual(['commit', 'tree', 'blob', 'tag']);
    expect((['commit', 'tree', 'blob', 'tag'] as const).map(typeNum)).toEqual([1, 2, 3, 4]);
    expect(() => typeName(6)).toThrow(PackError);
    expect(() => typeName(0)).toThrow(PackError);
  });

  it('hashes objects like git', () => {
    expect(hashObject('blob', new Uint8Array(0))).toBe(OID_A);
    expect(hashObject('tree', new Uint8Array(0))).toBe(OID_B);
    expect(hashObject('blob', enc('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(dec(encodeLooseHeader('commit', 123))).toBe('commit 123\0');
  });

  it('converts hex', () => {
    const b = hexToBytes(OID_A);
    expect(b.length).toBe(20);
    expect(bytesToHex(b)).toBe(OID_A);
    expect(bytesToHex(hexToBytes(OID_A.toUpperCase()))).toBe(OID_A);
    expect(() => hexToBytes('zz')).toThrow(PackError);
    expect(isOid(OID_A)).toBe(true);
    expect(isOid(OID_A.toUpperCase())).toBe(false);
    expect(isOid(OID_A.slice(1))).toBe(false);
  });
});

describe('parsers on real objects', () => {
  const objects = resolvePackInMemory(fixturePack('small-ofs')).objects;

  it('parses every commit, tree and tag of the fixture', () => {
    const byOid = new Map(objects.map((o) => [o.oid, o]));
    let commits = 0;
    let trees = 0;
    let tags = 0;
    for (const o of objects) {
      if (o.type === 'commit') {
        const c = parseCommit(o.data);
        expect(byOid.get(c.tree)?.type).toBe('tree');
        for (const p of c.parents) expect(byOid.get(p)?.type).toBe('commit');
        expect(c.author.name).toBe('A U Thor');
        expect(c.author.email).toBe('author@example.com');
        expect(c.committer.name).toBe('C O Mitter');
        expect(c.committer.timezone).toBe('+0100');
        expect(c.committerTime).toBeGreaterThan(1_700_000_000);
        expect(c.headers[0][0]).toBe('tree');
        expect(c.message.length).toBeGreaterThan(0);
        commits++;
      } else if (o.type === 'tree') {
        const entries = parseTree(o.data);
        for (const e of entries) {
          expect(['100644', '100755', '120000', '40000']).toContain(e.mode);
          const target = byOid.get(e.oid);
          expect(target?.type).toBe(e.mode === '40000' ? 'tree' : 'blob');
        }
        expect(validateObject('tree', o.data)).toBeNull();
        trees++;
      } else if (o.type === 'tag') {
        const t = parseTag(o.data);
        expect(t.tag).toBe('v1.0');
        expect(t.type).toBe('commit');
        expect(byOid.get(t.object)?.type).toBe('commit');
        expect(t.tagger?.name).toBe('C O Mitter');
        expect(t.message).toBe('release 1.0\n');
        tags++;
      }
      expect(validateObject(o.type, o.data)).toBeNull();
    }
    expect(commits).toBe(7);
    expect(tags).toBe(1);
    expect(trees).toBeGreaterThan(7);
  });

  it('decodes non-ASCII and invalid UTF-8 tree names without throwing', () => {
    const t = concat(
      enc('100644 caf\u00e9.txt\0'), hexToBytes(OID_A),
      enc('100644 x'), new Uint8Array([0xff, 0xfe]), enc('\0'), hexToBytes(OID_A),
    );
    const entries = parseTree(t);
    expect(entries[0].name).toBe('caf\u00e9.txt');
    expect(entries[1].name).toBe('x\ufffd\ufffd');
    const raw: number[][] = [];
    walkTree(t, (_m, _ms, s, e) => void raw.push([...t.subarray(s, e)]));
    expect(raw[1]).toEqual([0x78, 0xff, 0xfe]);
  });

  it('parses a long tree name', () => {
    const name = 'n'.repeat(300);
    expect(parseTree(tree(['100644', name]))[0].name).toBe(name);
  });

  it('rejects structurally broken trees', () => {
    expect(packErrorOf(() => parseTree(enc('100644 name')))).toMatch(/unterminated name/);
    expect(packErrorOf(() => parseTree(concat(enc('100644 a\0'), new Uint8Array(19))))).toMatch(/truncated object id/);
    expect(packErrorOf(() => parseTree(enc('10x644 a\0')))).toMatch(/bad mode/);
  });

  it('parses multi-line headers (gpgsig) and identities', () => {
    const c = parseCommit(enc(
      `tree ${OID_B}\nparent ${OID_A}\nauthor A <a@x> 1 +0000\ncommitter B <b@x> 1700000123 -0230\n` +
      'gpgsig -----BEGIN PGP SIGNATURE-----\n line2\n -----END PGP SIGNATURE-----\n\nmsg\n\nbody\n',
    ));
    expect(c.parents).toEqual([OID_A]);
    expect(c.committerTime).toBe(1700000123);
    expect(c.committer.timezone).toBe('-0230');
    expect(c.headers.find((h) => h[0] === 'gpgsig')![1]).toBe(
      '-----BEGIN PGP SIGNATURE-----\nline2\n-----END PGP SIGNATURE-----',
    );
    expect(c.message).toBe('msg\n\nbody\n');
    expect(parseIdent('No Email 5 +0000').email).toBe('');
    expect(() => parseCommit(enc('author A <a@x> 1 +0000\n\n'))).toThrow(/no tree header/);
  });
});

describe('validateObject', () => {
  it('accepts good trees, including 100664 and every standard mode', () => {
    const t = tree(['100644', 'a'], ['100664', 'b'], ['100755', 'c'], ['120000', 'd'], ['40000', 'e', OID_B], ['160000', 'f']);
    expect(validateObject('tree', t)).toBeNull();
    expect(validateObject('tree', new Uint8Array(0))).toBeNull();
    expect(validateObject('tree', t, { strictModes: true })).toMatch(/bad file mode 100664/);
  });

  it('rejects bad modes', () => {
    expect(validateObject('tree', tree(['100600', 'a']))).toMatch(/bad file mode 100600/);
    expect(validateObject('tree', tree(['777', 'a']))).toMatch(/bad file mode 777/);
    expect(validateObject('tree', tree(['040000', 'a', OID_B]))).toMatch(/zero-padded file mode/);
    expect(validateObject('tree', tree(['040000', 'a', OID_B]), { allowZeroPaddedModes: true })).toBeNull();
    expect(validateObject('tree', enc('10x644 a\0' + 'x'.repeat(20)))).toMatch(/tree is malformed: bad mode/);
  });

  it('rejects dangerous names', () => {
    expect(validateObject('tree', tree(['100644', '']))).toMatch(/empty name/);
    expect(validateObject('tree', tree(['100644', '.']))).toMatch(/entry named "\."/);
    expect(validateObject('tree', tree(['40000', '..', OID_B]))).toMatch(/entry named "\.\."/);
    for (const n of ['.git', '.GIT', '.Git', '.git.', '.git ', 'GIT~1', '.git::$INDEX_ALLOCATION', '.g\u200cit']) {
      expect(validateObject('tree', tree(['40000', n, OID_B])), n).toMatch(/\(\.git\)/);
    }
    expect(validateObject('tree', tree(['100644', 'a/b']))).toMatch(/full pathname "a\/b"/);
    expect(validateObject('tree', tree(['100644', '.gitignore'], ['100644', '.github']))).toMatch(/sorted/);
    expect(validateObject('tree', tree(['100644', '.github'], ['100644', '.gitignore']))).toBeNull();
  });

  it('rejects unsorted and duplicate entries, including the non-adjacent file/dir case', () => {
    expect(validateObject('tree', tree(['100644', 'b'], ['100644', 'a']))).toMatch(/not properly sorted: "b" before "a"/);
    expect(validateObject('tree', tree(['100644', 'a'], ['100644', 'a']))).toMatch(/duplicate entries "a"/);
    expect(validateObject('tree', tree(['100644', 'a'], ['40000', 'a', OID_B]))).toMatch(/duplicate entries "a"/);
    // A directory sorts as "name/": "foo.c" < "foo/" but "foo" (file) < "foo.c".
    expect(validateObject('tree', tree(['100644', 'foo'], ['100644', 'foo.c'], ['40000', 'foo', OID_B]))).toMatch(
      /duplicate entries "foo"/,
    );
    expect(validateObject('tree', tree(['100644', 'foo'], ['100644', 'foo.c'], ['100644', 'foo.c.d'], ['40000', 'foo.c', OID_B]))).toMatch(
      /duplicate entries "foo.c"/,
    );
    expect(validateObject('tree', tree(['100644', 'foo.c'], ['40000', 'foo', OID_B]))).toBeNull();
    expect(validateObject('tree', tree(['40000', 'foo', OID_B], ['100644', 'foo.c']))).toMatch(/sorted/);
    expect(validateObject('tree', tree(['100644', 'foo'], ['100644', 'foo.c'], ['40000', 'fop', OID_B]))).toBeNull();
  });

  const goodCommit = `tree ${OID_B}\nparent ${OID_A}\nauthor A U Thor <a@example.com> 1700000000 +0100\ncommitter C <c@example.com> 1700000001 -0500\n\nmsg\n`;

  it('accepts good commits and tags', () => {
    expect(validateObject('commit', enc(goodCommit))).toBeNull();
    expect(validateObject(1, enc(goodCommit))).toBeNull();
    const tag = `object ${OID_A}\ntype commit\ntag v1\ntagger T <t@x> 1 +0000\n\nmsg\n`;
    expect(validateObject('tag', enc(tag))).toBeNull();
    expect(validateObject('tag', enc(`object ${OID_A}\ntype blob\ntag v1\n`))).toBeNull(); // tagger optional
    expect(validateObject('blob', new Uint8Array([0, 1, 2]))).toBeNull();
  });

  it('rejects malformed commits', () => {
    const bad = (s: string) => validateObject('commit', enc(s));
    expect(bad(goodCommit.replace(/^tree .*\n/, ''))).toMatch(/no 'tree' line/);
    expect(bad(goodCommit.replace(OID_B, OID_B.slice(1)))).toMatch(/bad 'tree' line/);
    expect(bad(goodCommit.replace(OID_B, 'g'.repeat(40)))).toMatch(/bad 'tree' line/);
    expect(bad(goodCommit.replace(`parent ${OID_A}`, 'parent 123'))).toMatch(/bad 'parent' line/);
    expect(bad(goodCommit.replace(/author .*\n/, ''))).toMatch(/no 'author' line/);
    expect(bad(goodCommit.replace(/(author .*\n)/, '$1$1'))).toMatch(/multiple 'author' lines/);
    expect(bad(goodCommit.replace(/committer .*\n/, ''))).toMatch(/no 'committer' line/);
    expect(bad(goodCommit.replace('<a@example.com>', 'a@example.com'))).toMatch(/bad author line: missing email/);
    expect(bad(goodCommit.replace('A U Thor <', 'A U Thor<'))).toMatch(/missing space before email/);
    expect(bad(goodCommit.replace('1700000000 +0100', 'yesterday +0100'))).toMatch(/bad author line: bad date/);
    expect(bad(goodCommit.replace('1700000000 +0100', '01700000000 +0100'))).toMatch(/zero-padded date/);
    expect(bad(goodCommit.replace('-0500', '0500'))).toMatch(/bad committer line: bad time zone/);
    expect(bad(goodCommit.replace('msg', 'm\0sg').replace('\n\n', '\0\n\n'))).toMatch(/NUL byte in its header/);
    expect(bad(`tree ${OID_B}`)).toMatch(/unterminated header/);
    expect(bad('')).toMatch(/unterminated header/);
  });

  it('rejects malformed tags', () => {
    const bad = (s: string) => validateObject('tag', enc(s));
    expect(bad(`type commit\ntag v1\n`)).toMatch(/no 'object' line/);
    expect(bad(`object xyz\ntype commit\ntag v1\n`)).toMatch(/bad 'object' line/);
    expect(bad(`object ${OID_A}\ntag v1\n`)).toMatch(/no 'type' line/);
    expect(bad(`object ${OID_A}\ntype thing\ntag v1\n`)).toMatch(/bad 'type' value "thing"/);
    expect(bad(`object ${OID_A}\ntype commit\n`)).toMatch(/no 'tag' line/);
    expect(bad(`object ${OID_A}\ntype commit\ntag v1\ntagger nobody\n`)).toMatch(/bad tagger line/);
  });
});
