#!/usr/bin/env node
// Writes the OpenAPI document the Worker serves at /v1/openapi.json (generated from the zod
// schemas of src/schema by src/api/openapi.ts) to a file, for the client's generated types and
// the lint test:  node scripts/openapi.mjs [out.json]   (default client/openapi.json)
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const out = resolve(process.argv[2] ?? join(ROOT, 'client/openapi.json'));
const dir = mkdtempSync(join(tmpdir(), 'arbor-openapi-'));
try {
  const file = join(dir, 'openapi.mjs');
  // The document builder needs no Worker runtime: only the schemas and the operation table.
  await build({ entryPoints: [join(ROOT, 'src/api/openapi.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: file, logLevel: 'error' });
  const { openApiDocument } = await import(pathToFileURL(file).href);
  writeFileSync(out, `${JSON.stringify(openApiDocument('http://localhost:8787'), null, 2)}\n`);
  console.log(`wrote ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
