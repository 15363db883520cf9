#!/usr/bin/env node
// `npm start` / `npm run dev`: `wrangler dev` with the arguments given after `--` passed through
// (`npm start -- --port 18670`). The listening address and default port live in wrangler.toml's
// [dev] section, so nothing here clashes with an argument given twice.
//
// One addition: remotes handed out over the RPC binding use ARBOR_ORIGIN (a Worker called over RPC
// has no request URL to take an origin from). Unless ARBOR_ORIGIN is given (`--var
// ARBOR_ORIGIN:...` or in .dev.vars), it is set to this dev server's address, so the remotes follow
// the port the server really listens on.
//   node scripts/dev.mjs [wrangler dev arguments...]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);

/** The value of `--name v` or `--name=v` among the arguments, or undefined. */
function option(name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(name + '=')) return args[i].slice(name.length + 1);
  }
  return undefined;
}

/** `key = value` from wrangler.toml's [dev] section (simple scalars only). */
function devSetting(key) {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const section = /^\[dev\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? '';
  return new RegExp(`^\\s*${key}\\s*=\\s*"?([^"\\s#]+)"?`, 'm').exec(section)?.[1];
}

function originGiven() {
  // `--var` takes several KEY:VALUE words: any argument naming ARBOR_ORIGIN is one of them.
  if (args.some((a) => /^(--var=)?ARBOR_ORIGIN:/.test(a))) return true;
  const devVars = join(ROOT, '.dev.vars');
  return existsSync(devVars) && /^\s*ARBOR_ORIGIN\s*=/m.test(readFileSync(devVars, 'utf8'));
}

const extra = [];
if (!originGiven()) {
  const port = option('--port') ?? devSetting('port') ?? '8787';
  const ip = option('--ip') ?? devSetting('ip') ?? '127.0.0.1';
  const host = ip === '127.0.0.1' || ip === '0.0.0.0' || ip === '::' || ip === '*' ? 'localhost' : ip.includes(':') ? `[${ip}]` : ip;
  extra.push('--var', `ARBOR_ORIGIN:http://${host}:${port}`);
}

const wrangler = join(ROOT, 'node_modules', '.bin', 'wrangler');
// wrangler's local trace collector streams every request's spans, one per SQL statement, to a JS
// tail worker in the same workerd: about a third of the CPU of a small commit, which no deployed
// Worker pays. Off unless X_LOCAL_OBSERVABILITY=true.
const env = { ...process.env, X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? 'false' };
const child = spawn(wrangler, ['dev', ...args, ...extra], { cwd: ROOT, stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
