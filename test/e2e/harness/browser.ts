// Headless Chromium for the browser tests: Debian's `chromium` package driven by playwright-core
// (no browser download), and a tiny static server on 127.0.0.1 for the pages it loads.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.ARBOR_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why the browser tests cannot run here, or null if they can (the tests skip with this reason). */
export function chromiumMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found: install Debian's chromium package (.ci/run does)`;
  return null;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

export interface StaticServer {
  origin: string;
  close: () => Promise<void>;
}

/**
 * isomorphic-git's browser build expects a global Buffer (its docs say to load a polyfill): the
 * `buffer` package, bundled by esbuild into a script that sets it.
 */
export async function bufferShim(): Promise<{ body: string; type: string }> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    stdin: { contents: "import { Buffer } from 'buffer'; globalThis.Buffer = Buffer;", resolveDir: process.cwd() },
    bundle: true, format: 'iife', write: false, minify: true, logLevel: 'silent',
  });
  return { body: out.outputFiles[0].text, type: '.js' };
}

/** What a URL path serves: a file on disk, or contents with the extension naming their type. */
export type StaticFiles = Record<string, string | { body: string; type: string }>;

/** Serves `files` on 127.0.0.1:`port` (0: any free port). */
export async function serveStatic(files: StaticFiles, port = 0): Promise<StaticServer> {
  const srv = http.createServer(async (req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) {
      res.writeHead(404).end('not found\n');
      return;
    }
    try {
      const body = typeof file === 'string' ? await readFile(file) : file.body;
      const ext = typeof file === 'string' ? path.extname(file) : file.type;
      res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = srv.address();
  const p = typeof addr === 'object' && addr ? addr.port : port;
  return {
    origin: `http://127.0.0.1:${p}`,
    close: () => new Promise<void>((resolve) => {
      srv.closeAllConnections();
      srv.close(() => resolve());
    }),
  };
}
