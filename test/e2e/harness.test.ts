// Self-test of the e2e harness: needs no worker, so it passes whatever state the server is in.
import * as http from 'node:http';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  allObjects, buildSampleRepo, cloneRepo, commitFiles, emptyPack, expectedRefLines, fastImportCommits,
  fsckStrict, git, gitOut, initRepo, isGitShapedRejection, lsRemote, parsePkts, parseReportStatus, pkt,
  receivePackBody, serveGitHttpBackend, tmpDir, treeOf, useArbor, ZERO_OID,
} from './harness';

useArbor({ worker: false });

describe('harness', () => {
  test('git never prompts for credentials (fails fast on 401)', async () => {
    const srv = http.createServer((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"', 'Content-Type': 'text/plain' });
      res.end('no');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await git(['ls-remote', `http://127.0.0.1:${port}/x.git`], { allowFail: true, timeoutMs: 20_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/terminal prompts disabled|could not read Username|Authentication failed/);
      expect(r.ms).toBeLessThan(15_000);
    } finally {
      srv.close();
    }
  });

  test('fast-import history, treeOf and fsck', async () => {
    const dir = await initRepo('fi');
    const tip = await fastImportCommits(dir, { count: 120, file: 'f.txt' });
    expect(await gitOut(dir, ['rev-list', '--count', 'HEAD'])).toBe('120');
    const tip2 = await fastImportCommits(dir, { count: 5, file: 'f.txt', prefix: 'more' });
    expect(await gitOut(dir, ['rev-parse', `${tip2}~5`])).toBe(tip);
    await commitFiles(dir, {
      'x/run.sh': { content: '#!/bin/sh\n', executable: true },
      'x/link': { symlink: 'run.sh' },
      'ünï cödé.txt': 'u\n',
    }, 'files');
    const tree = await treeOf(dir);
    expect(tree['f.txt']).toMatch(/^100644 /);
    expect(tree['x/run.sh']).toMatch(/^100755 /);
    expect(tree['x/link']).toMatch(/^120000 /);
    expect(tree['ünï cödé.txt']).toMatch(/^100644 /);
    await fsckStrict(dir);
  });

  test('pkt-line helpers', async () => {
    expect(pkt('hello\n').toString()).toBe('000ahello\n');
    const parsed = parsePkts(Buffer.from('000ahello\n000100000002zz'));
    expect(parsed.map((p) => p.type)).toEqual(['data', 'delim', 'flush', 'end', 'bad']);
    const body = receivePackBody([{ old: ZERO_OID, new: 'a'.repeat(40), ref: 'refs/heads/x' }], ['report-status']);
    expect(body.subarray(body.length - 32, body.length - 28).toString()).toBe('PACK');
    const rs = parseReportStatus(Buffer.concat([pkt('unpack ok\n'), pkt('ng refs/heads/x failed to lock\n'), pkt('ok refs/heads/y\n'), Buffer.from('0000')]));
    expect(rs).toMatchObject({ unpack: 'ok', ok: ['refs/heads/y'], ng: { 'refs/heads/x': 'failed to lock' } });
    expect(isGitShapedRejection({ status: 200, headers: new Headers(), body: pkt('ERR nope\n'), text: '' })).toBe(true);
    expect(isGitShapedRejection({ status: 200, headers: new Headers(), body: pkt('unpack ok\n'), text: '' })).toBe(false);
    expect(isGitShapedRejection({ status: 500, headers: new Headers(), body: Buffer.alloc(0), text: '' })).toBe(false);
    // The empty pack is one git accepts.
    const bare = await initRepo('ep', { bare: true });
    await git(['index-pack', '--stdin'], { cwd: bare, input: emptyPack() });
  });

  test('native git http-backend: push, clone (v0 and v2), ls-remote', async () => {
    const root = await tmpDir('native-root');
    await git(['init', '-q', '--bare', '-b', 'main', path.join(root, 'native.git')]);
    const srv = await serveGitHttpBackend(root);
    try {
      const src = await buildSampleRepo();
      const remote = srv.url('native.git');
      await git(['push', remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: src });
      expect(await lsRemote(remote)).toEqual(await expectedRefLines(src));
      for (const protocol of [0, 2] as const) {
        const { dir } = await cloneRepo(remote, { protocol, label: `native-v${protocol}` });
        expect(await treeOf(dir)).toEqual(await treeOf(src));
        expect(await allObjects(dir)).toEqual(await allObjects(src));
        await fsckStrict(dir);
      }
      const { dir: shallow } = await cloneRepo(remote, { args: ['--depth', '1'], label: 'native-shallow' });
      expect(await gitOut(shallow, ['rev-list', '--count', 'HEAD'])).toBe('1');
    } finally {
      await srv.close();
    }
  });
});
