// Native `git http-backend` behind a small node HTTP server (comparisons and benchmarks).
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { origin } from './worker';
import { ensureHome } from './temp';
import { git, gitEnv } from './git';

export interface NativeServer {
  origin: string;
  /** URL of a repo given its path relative to the project root, e.g. url('src.git'). */
  url(rel: string): string;
  close(): Promise<void>;
}

let httpBackendPath: string | undefined;

/** Path of the `git-http-backend` CGI program. */
export async function gitHttpBackendPath(): Promise<string> {
  httpBackendPath ??= path.join((await git(['--exec-path'])).stdout.trim(), 'git-http-backend');
  return httpBackendPath;
}

/**
 * Runs `git http-backend` as a CGI for one request: sets GIT_PROJECT_ROOT, GIT_HTTP_EXPORT_ALL,
 * REMOTE_USER (which enables receive-pack), the CGI variables and Git-Protocol; parses the CGI
 * headers (Status: …) and streams the rest.
 */
export async function runHttpBackend(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  projectRoot: string,
  pathInfo?: string,
  opts: { emptyAs400?: boolean } = {},
): Promise<void> {
  const backend = await gitHttpBackendPath();
  const u = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: Record<string, string> = {
    ...(await gitEnv()),
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: 'e2e',
    REMOTE_ADDR: '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo ?? decodeURIComponent(u.pathname),
    QUERY_STRING: u.search.replace(/^\?/, ''),
    CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
  };
  if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = String(req.headers['content-length']);
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']);
  await new Promise<void>((resolve) => {
    const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.stdin.on('error', () => {});
    let reqBytes = 0;
    let reqStart = '';
    req.on('data', (d: Buffer) => {
      if (reqStart.length < 8) reqStart += d.subarray(0, 8).toString('latin1');
      reqBytes += d.length;
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    // emptyAs400: hold the headers back until the first body byte; a POST that produced no
    // body at all (git died on bad input) becomes a 400 instead of an empty 200.
    let held: { status: number; headers: [string, string][] } | undefined;
    const write = (chunk: Buffer) => {
      if (held) {
        res.statusCode = held.status;
        for (const [k, v] of held.headers) res.setHeader(k, v);
        held = undefined;
      }
      res.write(chunk);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) { write(chunk); return; }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sepLen = 4;
      if (end < 0) { end = head.indexOf('\n\n'); sepLen = 2; }
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: [string, string][] = [];
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10) || 200;
        else headers.push([k, v]);
      }
      if (opts.emptyAs400 && req.method === 'POST') {
        held = { status, headers };
      } else {
        res.statusCode = status;
        for (const [k, v] of headers) res.setHeader(k, v);
      }
      const rest = head.subarray(end + sepLen);
      if (rest.length) write(rest);
    });
    child.on('error', (e) => {
      if (!res.headersSent) res.statusCode = 500;
      res.end(`http-backend failed: ${String(e)}`);
      resolve();
    });
    child.on('close', (code) => {
      if (!headersDone) {
        res.statusCode = 500;
        res.end(`http-backend exited ${code} without headers: ${stderr}`);
      } else if (held && reqBytes === 4 && reqStart === '0000') {
        // git's probe before a chunked push (a lone flush): an empty 200 is the right answer.
        res.statusCode = held.status;
        for (const [k, v] of held.headers) res.setHeader(k, v);
        res.end();
      } else if (held) {
        res.statusCode = 400;
        res.setHeader('content-type', 'text/plain');
        res.end(`protocol error: ${stderr.trim()}\n`);
      } else {
        res.end();
      }
      resolve();
    });
  });
}

/** Serves the bare repos under projectRoot with native `git http-backend` on 127.0.0.1. */
export async function serveGitHttpBackend(projectRoot: string): Promise<NativeServer> {
  await ensureHome();
  const server = http.createServer((req, res) => {
    runHttpBackend(req, res, projectRoot).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address() as net.AddressInfo;
  const o = `http://127.0.0.1:${addr.port}`;
  return {
    origin: o,
    url: (rel: string) => `${o}/${rel.replace(/^\/+/, '')}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
