#!/usr/bin/env python3
"""dulwich as a client of the e2e client matrix (test/e2e/clients.test.ts), through its porcelain.

Usage: dulwich_client.py '<json>' with {"op": "info"|"clone"|"fetch"|"push", ...}:
  clone: {"url", "dir", "token", "auth": "basic"|"bearer", "depth"?: int}
  fetch: {"dir", "url", "token", "auth"}
  push:  {"dir", "url", "token", "auth", "refspecs": [...]}
Auth "basic": user "x" and the token as password in the URL (dulwich sends Basic up front).
Auth "bearer": an `Authorization: Bearer` header on dulwich's urllib3 pool manager (passed
through porcelain's **kwargs to the HTTP client).
Prints one JSON line {"ok": bool, ...}; exits 0 on success, 1 on failure.
"""
import io
import json
import sys
from urllib.parse import quote, urlsplit, urlunsplit

import dulwich
from dulwich import porcelain
from dulwich.client import default_urllib3_manager
from dulwich.repo import Repo


def with_auth(args):
    """(url, extra kwargs for porcelain) for the requested auth mode."""
    url = args['url']
    if args.get('auth') == 'bearer':
        pm = default_urllib3_manager(None)
        pm.headers['Authorization'] = 'Bearer ' + args['token']
        return url, {'pool_manager': pm}
    u = urlsplit(url)
    netloc = 'x:' + quote(args['token'], safe='') + '@' + u.netloc
    return urlunsplit((u.scheme, netloc, u.path, u.query, u.fragment)), {}


def clone(args, err):
    url, kw = with_auth(args)
    repo = porcelain.clone(url, args['dir'], depth=args.get('depth'), errstream=err, **kw)
    try:
        # Keep the plain URL as origin (no credentials on disk); fetch/push pass them again.
        cfg = repo.get_config()
        cfg.set((b'remote', b'origin'), b'url', args['url'].encode())
        cfg.write_to_path()
        return {'head': repo.head().decode()}
    finally:
        repo.close()


def fetch(args, err):
    url, kw = with_auth(args)
    res = porcelain.fetch(args['dir'], url, errstream=err, depth=args.get('depth'), **kw)
    # porcelain.fetch with an explicit URL stores no remote-tracking refs: mirror the answer
    # into refs/remotes/origin/* and refs/tags/* as `git fetch origin` would.
    with Repo(args['dir']) as repo:
        for ref, sha in res.refs.items():
            if sha is None or ref.endswith(b'^{}'):
                continue
            if ref.startswith(b'refs/heads/'):
                repo.refs[b'refs/remotes/origin/' + ref[len(b'refs/heads/'):]] = sha
            elif ref.startswith(b'refs/tags/'):
                repo.refs[ref] = sha
    return {'refs': {k.decode(): v.decode() for k, v in res.refs.items() if v is not None}}


def push(args, err):
    url, kw = with_auth(args)
    out = io.BytesIO()
    porcelain.push(args['dir'], url, [s.encode() for s in args['refspecs']], outstream=out, errstream=err, **kw)
    text = err.getvalue().decode(errors='replace')
    # porcelain.push reports per-ref failures on errstream instead of raising.
    if 'failed' in text.lower():
        raise RuntimeError('push reported a failure: ' + text.strip()[-500:])
    return {}


def main():
    args = json.loads(sys.argv[1])
    op = args['op']
    if op == 'info':
        print(json.dumps({'ok': True, 'dulwich': '.'.join(map(str, dulwich.__version__))}))
        return 0
    err = io.BytesIO()
    try:
        out = {'clone': clone, 'fetch': fetch, 'push': push}[op](args, err)
        out['ok'] = True
        code = 0
    except Exception as e:  # noqa: BLE001 - report every client error to the test
        out = {'ok': False, 'error': f'{type(e).__name__}: {e}'}
        code = 1
    out['log'] = err.getvalue().decode(errors='replace')[-2000:]
    print(json.dumps(out))
    return code


if __name__ == '__main__':
    sys.exit(main())
