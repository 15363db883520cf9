// Temporary directories and the git HOME every git process gets.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';

let tmpCounter = 0;
let homeDir: string | undefined;
let tmpRoot: string | undefined;
export async function ensureTmpRoot(): Promise<string> {
  if (!tmpRoot) tmpRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'arbor-e2e-'));
  return tmpRoot;
}

/** A fresh empty directory under this file's temp root (removed in afterAll). */
export async function tmpDir(label = 'dir'): Promise<string> {
  const root = await ensureTmpRoot();
  const safe = label.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  const dir = path.join(root, `${String(++tmpCounter).padStart(3, '0')}-${safe}`);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

export async function cleanupTemp(): Promise<void> {
  const root = tmpRoot;
  tmpRoot = undefined;
  homeDir = undefined;
  if (!root) return;
  if (process.env.ARBOR_E2E_KEEP) {
    console.log(`[e2e] kept temp dir ${root}`);
    return;
  }
  await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
}

export const GITCONFIG = `[user]
\tname = Arbor E2E
\temail = e2e@arbor.test
[init]
\tdefaultBranch = main
[core]
\tquotePath = false
\tautocrlf = false
\tfsmonitor = false
[gc]
\tauto = 0
[maintenance]
\tauto = false
[fetch]
\twriteCommitGraph = false
[pull]
\trebase = false
[advice]
\tdetachedHead = false
\tskippedCherryPicks = false
[commit]
\tgpgSign = false
[tag]
\tgpgSign = false
[protocol "file"]
\tallow = always
[credential]
\thelper =
[safe]
\tdirectory = *
[uploadpack]
\tallowFilter = true
`;

export async function ensureHome(): Promise<string> {
  if (homeDir) return homeDir;
  const root = await ensureTmpRoot();
  const dir = path.join(root, 'home');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, '.gitconfig'), GITCONFIG);
  homeDir = dir;
  return dir;
}
