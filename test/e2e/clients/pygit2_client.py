#!/usr/bin/env python3
"""libgit2 (through pygit2) as a client of the e2e client matrix (test/e2e/clients.test.ts).

Usage: pygit2_client.py '<json>' with {"op": "info"|"clone"|"fetch"|"push", ...}:
  clone: {"url", "dir", "token", "auth": "basic"|"bearer", "depth"?: int}
  fetch: {"dir", "token", "auth"}            (fetches the remote "origin")
  push:  {"dir", "token", "auth", "refspecs": [...]}
Auth "basic": a credentials callback answering user "x" and the token as password (git's
askpass path, after a 401). Auth "bearer": an `Authorization: Bearer` custom header on every
request (libgit2's `custom_headers`; pygit2 does not expose it, so it is set on the C options).
Prints one JSON line {"ok": bool, ...} and exits 0 on success, 1 on failure, 3 when the
installed libgit2 lacks the requested feature.
"""
import json
import sys

import pygit2
from pygit2.callbacks import RemoteCallbacks, git_clone_options, git_fetch_options, git_push_options
from pygit2.ffi import C, ffi
from pygit2.utils import StrArray, to_bytes

UNSUPPORTED = 3


class Callbacks(RemoteCallbacks):
    def __init__(self, token, auth):
        super().__init__()
        self.token = token
        self.auth = auth
        self.auth_calls = 0
        self.rejected = {}
        self.updated = []

    def credentials(self, url, username_from_url, allowed_types):
        self.auth_calls += 1
        if self.auth != 'basic' or self.auth_calls > 3:
            raise pygit2.GitError('no (more) credentials to offer')
        return pygit2.UserPass('x', self.token)

    def push_update_reference(self, refname, message):
        if message is None:
            self.updated.append(refname)
        else:
            self.rejected[refname] = message


def header_array(args):
    if args.get('auth') == 'bearer':
        return StrArray(['Authorization: Bearer ' + args['token']])
    return StrArray([])


def set_headers(opts, arr):
    if arr.array != ffi.NULL:
        opts.custom_headers = arr.array[0]


def has_depth():
    return 'depth' in dict(ffi.typeof('git_fetch_options').fields)


def clone(args, cb):
    if args.get('depth') and not has_depth():
        return UNSUPPORTED, {'reason': f'libgit2 {pygit2.LIBGIT2_VERSION} has no shallow clone (added in libgit2 1.7)'}
    cb.repository = None
    cb.remote = None
    arr = header_array(args)
    with git_clone_options(cb):
        opts = cb.clone_options
        with git_fetch_options(cb, opts=opts.fetch_opts):
            set_headers(opts.fetch_opts, arr)
            if args.get('depth'):
                opts.fetch_opts.depth = int(args['depth'])
            crepo = ffi.new('git_repository **')
            err = C.git_clone(crepo, to_bytes(args['url']), to_bytes(args['dir']), opts)
            cb.check_error(err)
    repo = pygit2.Repository(args['dir'])
    return 0, {'head': str(repo.head.target)}


def fetch(args, cb):
    repo = pygit2.Repository(args['dir'])
    remote = repo.remotes['origin']
    arr = header_array(args)
    with git_fetch_options(cb) as payload:
        opts = payload.fetch_options
        set_headers(opts, arr)
        opts.download_tags = C.GIT_REMOTE_DOWNLOAD_TAGS_ALL
        with StrArray(None) as specs:
            err = C.git_remote_fetch(remote._remote, specs, opts, ffi.NULL)
            payload.check_error(err)
    stats = C.git_remote_stats(remote._remote)
    return 0, {'received_objects': stats.received_objects, 'received_bytes': stats.received_bytes}


def push(args, cb):
    repo = pygit2.Repository(args['dir'])
    remote = repo.remotes['origin']
    arr = header_array(args)
    with git_push_options(cb) as payload:
        opts = payload.push_options
        set_headers(opts, arr)
        with StrArray(args['refspecs']) as specs:
            err = C.git_remote_push(remote._remote, specs, opts)
            payload.check_error(err)
    if cb.rejected:
        return 1, {'error': 'rejected: ' + json.dumps(cb.rejected), 'updated': cb.updated}
    return 0, {'updated': cb.updated}


def main():
    args = json.loads(sys.argv[1])
    op = args['op']
    if op == 'info':
        out = {'ok': True, 'pygit2': pygit2.__version__, 'libgit2': pygit2.LIBGIT2_VERSION, 'depth': has_depth()}
        print(json.dumps(out))
        return 0
    cb = Callbacks(args.get('token', ''), args.get('auth', 'basic'))
    try:
        code, out = {'clone': clone, 'fetch': fetch, 'push': push}[op](args, cb)
    except Exception as e:  # noqa: BLE001 - report every client error to the test
        code, out = 1, {'error': f'{type(e).__name__}: {e}'}
    out['ok'] = code == 0
    out['auth_calls'] = cb.auth_calls
    print(json.dumps(out))
    return code


if __name__ == '__main__':
    sys.exit(main())
