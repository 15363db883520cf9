// The Worker's bundle stays Latin-1 (issue 22, the isolate's resting heap): V8 keeps a module's
// whole source in the isolate as one string, and one character above U+00FF anywhere in the
// bundle (a kept comment, a template literal, a dependency's regex) makes it two bytes per
// character: 1.46 MiB more of V8 heap for the 1.5 MB bundle. This bundles as `wrangler deploy`
// does (scripts/latin1.mjs --check) so a new `→` in kept text fails here, not in a heap profile.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { PROJECT_ROOT } from './harness';

const run = promisify(execFile);

test('the deployed bundle has no character above U+00FF', async () => {
  const { stdout } = await run(process.execPath, [join(PROJECT_ROOT, 'scripts/latin1.mjs'), '--check'], { cwd: PROJECT_ROOT }).catch((e) => {
    throw new Error(`latin1 check failed:\n${e.stdout}\n${e.stderr}`);
  });
  expect(stdout).toMatch(/^bundle is Latin-1 \(\d+ characters\)/);
}, 120_000);
