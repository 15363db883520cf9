// A stand-in for Arbor that implements the wire contract with native `git http-backend`
// (ARBOR_E2E_REFERENCE=1). It exists only to check the e2e tests themselves: a test that fails
// against it is a wrong test, not a server bug. It is never used by default.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as path from 'node:path';
import { git, runHttpBackend, tmpDir } from './harness';
import { tokenChecksum } from '../../src/auth/tokens';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const validName = (n: string) => NAME_RE.test(n) && !n.endsWith('.git');

interface Tok { id: string; scope: 'read' | 'write'; exp: number }
interface Repo { ns: string; name: string; tokens: Map<string, Tok> }

export async function startReferenceServer(adminToken: string): Promise<{ origin: string; stop: () => Promise<void> }> {
  const root = await tmpDir('reference-repos');
  const repos = new Map<string, Repo>();
  let originUrl = '';

  const mint = (repo: Repo, scope: 'read' | 'write', ttl: number) => {
    const body = `arb_v1_${randomBytes(20).toString('hex')}`;
    const secret = body + tokenChecksum(body);
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const t: Tok = { id: randomBytes(8).toString('hex'), scope, exp };
    repo.tokens.set(secret, t);
    return { id: t.id, token: `${secret}?expires=${exp}`, scope, expiresAt: exp };
  };
  const shape = (r: Repo) => ({
    namespace: r.ns, name: r.name, remote: `${originUrl}/git/${r.ns}/${r.name}.git`, defaultBranch: 'main',
  });
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const err = (res: http.ServerResponse, status: number, code: string, message: string) => json(res, status, { error: { code, message } });
  const readBody = (req: http.IncomingMessage) => new Promise<string>((resolve) => {
    let b = '';
    req.on('data', (d) => { b += String(d); });
    req.on('end', () => resolve(b));
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const parts = u.pathname.split('/').slice(1);
    const auth = req.headers.authorization ?? '';
    if (parts[0] === 'v1' && parts[1] === 'repos') {
      if (auth !== `Bearer ${adminToken}`) return err(res, 401, 'unauthorized', 'admin token required');
      const [ns, rawName, sub] = [parts[2] ?? '', parts[3] ?? '', parts[4]];
      let name: string;
      try { name = decodeURIComponent(rawName); } catch { name = rawName; }
      if (!validName(ns) || !validName(name) || parts.length > 5 || (sub !== undefined && sub !== 'tokens')) {
        return err(res, 400, 'bad_name', 'invalid namespace or name');
      }
      const key = `${ns}/${name}`;
      const repo = repos.get(key);
      if (sub === 'tokens') {
        if (req.method !== 'POST') return err(res, 405, 'method', 'method not allowed');
        const body = await readBody(req);
        if (!repo) return err(res, 404, 'not_found', 'repository not found');
        let o: any;
        try { o = JSON.parse(body); } catch { return err(res, 400, 'bad_json', 'invalid JSON'); }
        const ttl = o?.ttlSeconds;
        if ((o?.scope !== 'read' && o?.scope !== 'write') || !Number.isInteger(ttl) || ttl < 60 || ttl > 31536000) {
          return err(res, 400, 'bad_request', 'scope must be read|write and ttlSeconds 60..31536000');
        }
        return json(res, 201, mint(repo, o.scope, ttl));
      }
      if (req.method === 'POST') {
        if (repo) return err(res, 409, 'exists', 'repository exists');
        const r: Repo = { ns, name, tokens: new Map() };
        await fs.mkdir(path.join(root, ns), { recursive: true });
        await git(['init', '-q', '--bare', '-b', 'main', path.join(root, ns, `${name}.git`)]);
        repos.set(key, r);
        return json(res, 201, { ...shape(r), token: mint(r, 'write', 86400).token });
      }
      if (!repo) return err(res, 404, 'not_found', 'repository not found');
      if (req.method === 'GET') return json(res, 200, shape(repo));
      if (req.method === 'DELETE') {
        repos.delete(key);
        await fs.rm(path.join(root, ns, `${name}.git`), { recursive: true, force: true });
        res.writeHead(204);
        return res.end();
      }
      return err(res, 405, 'method', 'method not allowed');
    }
    if (parts[0] === 'git' && parts.length >= 4 && parts[2].endsWith('.git')) {
      const ns = parts[1];
      const name = parts[2].slice(0, -4);
      const repo = repos.get(`${ns}/${name}`);
      if (!repo) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('repository not found\n');
      }
      let secret = '';
      if (auth.startsWith('Bearer ')) secret = auth.slice(7);
      else if (auth.startsWith('Basic ')) {
        const dec = Buffer.from(auth.slice(6), 'base64').toString();
        secret = dec.slice(dec.indexOf(':') + 1);
      }
      secret = secret.split('?')[0];
      const tok = repo.tokens.get(secret);
      if (!tok || tok.exp < Date.now() / 1000) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="arbor"', 'content-type': 'text/plain' });
        return res.end('authentication required\n');
      }
      const rest = parts.slice(3).join('/');
      const isPush = rest === 'git-receive-pack' || (rest === 'info/refs' && u.searchParams.get('service') === 'git-receive-pack');
      if (isPush && tok.scope !== 'write') {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return res.end('this token is read-only\n');
      }
      if (!['info/refs', 'git-upload-pack', 'git-receive-pack'].includes(rest)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('not found\n');
      }
      if (Number(req.headers['content-length'] ?? 0) > 512 * 1024 * 1024) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
        return res.end('request body too large\n');
      }
      return runHttpBackend(req, res, root, `/${ns}/${name}.git/${rest}`, { emptyAs400: true });
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  originUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    origin: originUrl,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
