// The served OpenAPI document (generated from the zod schemas of src/schema): Redocly's linter
// finds no error in it, every operation has a named operationId and a response schema, nothing
// internal is published, and the copy checked in for the client (client/openapi.json, made by
// `node scripts/openapi.mjs`) is the document the Worker serves.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { origin, PROJECT_ROOT, tmpDir, useArbor } from './harness';

useArbor();

const run = promisify(execFile);

async function served(): Promise<any> {
  const res = await fetch(`${origin()}/v1/openapi.json`);
  expect(res.status).toBe(200);
  return res.json();
}

describe('OpenAPI document', () => {
  test('redocly lint: no errors', async () => {
    const file = join(await tmpDir('openapi'), 'openapi.json');
    await writeFile(file, JSON.stringify(await served()));
    const cli = join(PROJECT_ROOT, 'node_modules/.bin/redocly');
    const { stdout } = await run(cli, ['lint', file, '--format=json'], { maxBuffer: 64 * 1024 * 1024 }).catch((e) => {
      throw new Error(`redocly lint failed:\n${e.stdout}\n${e.stderr}`);
    });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
    const errors = report.problems.filter((p: any) => p.severity === 'error');
    expect(errors.map((p: any) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  test('named operation ids, a response schema for every JSON answer, nothing internal', async () => {
    const doc = await served();
    const ids: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      expect(p).not.toMatch(/bench|internal|admin/);
      for (const [method, op] of Object.entries(ops)) {
        ids.push(op.operationId);
        expect(op.operationId, `${method} ${p}`).toMatch(/^[a-z][A-Za-z]+$/);
        expect(op.operationId).not.toMatch(/V1|Ns|Rest/); // not generated from the path
        const ok = Object.entries(op.responses as Record<string, any>).find(([s]) => s.startsWith('2'))!;
        if (ok[0] !== '204') expect(Object.keys(ok[1].content ?? {}), `${method} ${p}`).not.toEqual([]);
        const json = ok[1].content?.['application/json'];
        if (json) expect(json.schema.$ref, `${method} ${p}`).toMatch(/^#\/components\/schemas\//);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['createRepo', 'forkRepo', 'createCommit', 'mergeBranches', 'writeRef', 'importRepo']));
    // request bodies refuse unknown fields
    expect(doc.components.schemas.CreateCommitRequest.additionalProperties).toBe(false);
    expect(Object.keys(doc.components.schemas.CreateCommitRequest.properties)).toContain('expectedHead');
  });

  test('client/openapi.json is the served document (regenerate: node scripts/openapi.mjs)', async () => {
    const doc = await served();
    const file = JSON.parse(await readFile(join(PROJECT_ROOT, 'client/openapi.json'), 'utf8'));
    const { servers: _a, ...live } = doc;
    const { servers: _b, ...checkedIn } = file;
    expect(checkedIn).toEqual(live);
  });
});
