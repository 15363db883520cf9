// The client package (client/) as a caller Worker sees it: built on its own (tsc to .js +
// .d.ts) with no Node or Wasm imports, then the README's TypeScript examples that import
// '@arbor/client' are compiled against the built package with a plain tsconfig (strict, no Node
// types, only @cloudflare/workers-types). Nothing in the tree is written: the build goes to a
// temporary node_modules/@arbor/client. And the generated REST client against a running Arbor.
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { adminToken, origin, PROJECT_ROOT, tmpDir, useArbor } from './harness';
import { arborRest, ArborHttpError } from '../../client/src';

useArbor();

const run = promisify(execFile);
const tsc = join(PROJECT_ROOT, 'node_modules/.bin/tsc');

async function tscRun(args: string[], cwd: string): Promise<void> {
  await run(tsc, args, { cwd, maxBuffer: 16 * 1024 * 1024 }).catch((e) => {
    throw new Error(`tsc ${args.join(' ')} failed:\n${e.stdout}${e.stderr}`);
  });
}

/** The ```ts blocks of the README that import the client package. */
function readmeExamples(readme: string): string[] {
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes("from '@arbor/client'"));
}

describe('@arbor/client', () => {
  test('builds alone, imports nothing of Node or Wasm, and the README examples compile against it', async () => {
    const dir = await tmpDir('client');
    const pkg = join(dir, 'node_modules/@arbor/client');
    await mkdir(pkg, { recursive: true });
    await tscRun(['-p', join(PROJECT_ROOT, 'client/tsconfig.json'), '--outDir', join(pkg, 'dist')], PROJECT_ROOT);
    await cp(join(PROJECT_ROOT, 'client/package.json'), join(pkg, 'package.json'));
    await cp(join(PROJECT_ROOT, 'client/openapi.json'), join(pkg, 'openapi.json'));

    const files = await readdir(join(pkg, 'dist'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'rest.js', 'errors.d.ts', 'isogit-fs.js', 'rpc.d.ts']));
    let bytes = 0;
    for (const f of files) {
      const text = await readFile(join(pkg, 'dist', f), 'utf8');
      bytes += text.length;
      expect(text, f).not.toMatch(/from ['"](node:|cloudflare:)|\.wasm['"]|\.\.\/\.\.\/src\//);
    }
    console.log(`[client] dist: ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB`);

    // A caller's project: its own tsconfig, workers-types and isomorphic-git from its node_modules.
    for (const dep of ['@cloudflare/workers-types', 'isomorphic-git']) {
      await mkdir(join(dir, 'node_modules', dep, '..'), { recursive: true });
      await symlink(join(PROJECT_ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
    }
    const examples = readmeExamples(await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8'));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    await mkdir(join(dir, 'src'));
    for (const [i, code] of examples.entries()) await writeFile(join(dir, 'src', `example-${i}.ts`), code);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022', module: 'es2022', moduleResolution: 'bundler', lib: ['es2022'], types: ['@cloudflare/workers-types'],
          strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true,
        },
        include: ['src'],
      }),
    );
    await tscRun(['-p', 'tsconfig.json'], dir);

    // And a wrong call is a type error (the check is real).
    await writeFile(join(dir, 'src', 'wrong.ts'), "import { arborRest } from '@arbor/client';\nawait arborRest({ baseUrl: 'x' }).createCommit({ params: { ns: 'a', name: 'b' }, body: { branch: 'main', expectedHaed: null } });\n");
    const wrong = await run(tsc, ['-p', 'tsconfig.json'], { cwd: dir }).then(() => '', (e) => String(e.stdout));
    expect(wrong).toMatch(/wrong\.ts.*error TS/);
  });
});

describe('arborRest: the REST client generated from the OpenAPI document', () => {
  test('create, commit, read, and typed errors from a running Arbor', async () => {
    const admin = arborRest({ baseUrl: origin(), token: adminToken() });
    const params = { ns: 'client-rest', name: `r-${Date.now().toString(36)}` };
    const repo = await admin.createRepo({ params });
    expect(repo.remote).toContain(`/git/${params.ns}/${params.name}.git`);
    const files = arborRest({ baseUrl: origin(), token: repo.token });
    const author = { name: 'Bot', email: 'bot@example.com', date: 1_700_000_000 };
    const c = await files.createCommit({ params, body: { branch: 'main', message: 'seed', author, changes: [{ action: 'create', path: 'dir/a b.md', content: 'hi\n' }] } });
    expect(c.commit).toMatch(/^[0-9a-f]{40}$/);
    const tree = await files.getTree({ params: { ...params, rest: 'main' }, query: { recursive: '1' } });
    expect(tree.entries.map((e) => e.path)).toEqual(['dir', 'dir/a b.md']);
    const blob = await files.getBlob({ params: { ...params, rest: 'main/dir/a b.md' } });
    expect(await blob.text()).toBe('hi\n');
    expect((await files.getLog({ params: { ...params, rest: 'main' } })).commits[0].sha).toBe(c.commit);

    const stale = await files
      .createCommit({ params, body: { branch: 'main', message: 'x', author, expectedHead: '0'.repeat(40), changes: [{ action: 'delete', path: 'dir/a b.md' }] } })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ArborHttpError);
    expect((stale as ArborHttpError).status).toBe(409);
    expect((stale as ArborHttpError).code).toBe('stale_head');

    const typo = await admin.forkRepo({ params, body: { name: 'f', readonly: true } as never }).catch((e: unknown) => e);
    expect((typo as ArborHttpError).status).toBe(400);
    expect((typo as ArborHttpError).message).toContain('unknown field "readonly"');
    await admin.deleteRepo({ params });
    const gone = await admin.getRepo({ params }).catch((e: unknown) => e);
    expect((gone as ArborHttpError).code).toBe('not_found');
  });
});
