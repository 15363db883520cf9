// The repository pages' bodies: namespace list, tree, file, commit log, one commit with its diff,
// and the login form. Pure functions from the read API's JSON to Safe HTML (html.ts escapes).
import type { CommitJson, CompareJson, LogJson, RefsJson, TreeJson } from '../commit';
import { Safe, href, html } from './html';

export interface RepoRef {
  ns: string;
  name: string;
}

/** `/ui/<ns>/<name>/` and what follows it, each segment encoded. */
export function repoUrl(r: RepoRef, ...rest: string[]): string {
  return `/ui/${href(r.ns)}/${href(r.name)}/${rest.length ? href(...rest) : ''}`;
}

export function crumbs(r: RepoRef | { ns: string } | null, ...tail: Safe[]): Safe {
  if (!r) return html`<a href="/ui/">namespaces</a>`;
  const nsLink = html`<a href="/ui/${new Safe(href(r.ns))}/">${r.ns}</a>`;
  const repo = 'name' in r ? html` / <a href="${repoUrl(r)}">${r.name}</a>` : html``;
  return html`${nsLink}${repo}${tail.map((t) => html` / ${t}`)}`;
}

export function tabs(r: RepoRef, rev: string, on: 'files' | 'log' | null): Safe {
  return html`<nav class="tabs"><a class="${on === 'files' ? 'on' : ''}" href="${repoUrl(r, 'tree', rev)}/">Files</a><a class="${on === 'log' ? 'on' : ''}" href="${repoUrl(r, 'log', rev)}">Commits</a>
<form class="signout" method="post" action="${repoUrl(r)}"><input type="hidden" name="logout" value="1"><button type="submit">Sign out</button></form></nav>`;
}

export function loginForm(action: string, next: string, what: string, problem: string | null): Safe {
  return html`<form class="login" method="post" action="${action}">
<h2>Sign in</h2><p>${what}</p>${problem ? html`<p class="err" id="problem">${problem}</p>` : ''}
<input type="hidden" name="next" value="${next}">
<label>Token<input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>`;
}

export function namespaceList(namespaces: { name: string; createdAt: string }[], cursor: string | null): Safe {
  return html`<h2>Namespaces</h2><table id="namespaces">${namespaces.map((n) => html`<tr><td><a href="/ui/${new Safe(href(n.name))}/">${n.name}</a></td><td>${n.createdAt}</td></tr>`)}</table>
${cursor ? html`<p><a href="/ui/?cursor=${encodeURIComponent(cursor)}">more</a></p>` : ''}`;
}

export function repoList(ns: string, repos: { name: string; createdAt: string; remote: string }[], cursor: string | null): Safe {
  return html`<h2>Repositories of ${ns}</h2>
<table id="repos"><tr><th>Name</th><th>Created</th><th>Clone</th></tr>${repos.map(
    (r) => html`<tr><td><a href="${repoUrl({ ns, name: r.name })}">${r.name}</a></td><td>${r.createdAt}</td><td><code>${r.remote}</code></td></tr>`,
  )}</table>
${repos.length === 0 ? html`<p>No repositories.</p>` : ''}
${cursor ? html`<p><a href="/ui/${new Safe(href(ns))}/?cursor=${encodeURIComponent(cursor)}">more</a></p>` : ''}`;
}

export function emptyRepo(r: RepoRef, remote: string): Safe {
  return html`<h2>${r.name}</h2><p id="empty">This repository is empty. Push to it:</p><pre class="file">git push ${remote} main</pre>`;
}

export function branches(r: RepoRef, refs: RefsJson): Safe {
  const list = refs.branches.map((b) => html`<a href="${repoUrl(r, 'tree', b.name)}/">${b.name}</a> `);
  return html`<p id="branches">Branches: ${list}${refs.tags.length ? html` · Tags: ${refs.tags.map((t) => html`<a href="${repoUrl(r, 'tree', t.name)}/">${t.name}</a> `)}` : ''}</p>`;
}

export function tree(r: RepoRef, rev: string, t: TreeJson): Safe {
  const entries = [...t.entries].sort((a, b) => (a.type === 'tree') === (b.type === 'tree') ? (a.name < b.name ? -1 : 1) : a.type === 'tree' ? -1 : 1);
  const prefix = t.path ? `${t.path}/` : '';
  const rows = entries.map((e) => {
    const p = prefix + e.name;
    if (e.type === 'tree') return html`<tr class="dir"><td><a href="${repoUrl(r, 'tree', rev, p)}/">${e.name}/</a></td><td></td></tr>`;
    if (e.type === 'commit') return html`<tr class="submodule"><td>${e.name} @ <span class="sha">${e.sha.slice(0, 12)}</span> (submodule)</td><td></td></tr>`;
    return html`<tr class="file"><td><a href="${repoUrl(r, 'blob', rev, p)}">${e.name}</a></td><td class="size">${e.size ?? ''}</td></tr>`;
  });
  const up = t.path ? html`<tr><td><a href="${repoUrl(r, 'tree', rev, t.path.split('/').slice(0, -1).join('/'))}/">..</a></td><td></td></tr>` : '';
  return html`<p>${t.commit ? html`at <a class="sha" href="${repoUrl(r, 'commit', t.commit)}">${t.commit.slice(0, 12)}</a>` : ''} <code>/${t.path}</code></p>
<table id="tree">${up}${rows}</table>${t.truncated ? html`<p>(listing truncated)</p>` : ''}`;
}

export function file(r: RepoRef, rev: string, path: string, data: Uint8Array, sha: string | null): Safe {
  let text: string | null = null;
  if (!data.subarray(0, 8000).includes(0)) {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data);
    } catch {
      text = null;
    }
  }
  const head = html`<p><code>${path}</code> · ${data.length} bytes${sha ? html` · blob <span class="sha">${sha.slice(0, 12)}</span>` : ''} · <a href="${repoUrl(r, 'log', rev)}?path=${encodeURIComponent(path)}">history</a></p>`;
  if (text === null) return html`${head}<p id="binary">Binary file, not shown.</p>`;
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return html`${head}<pre class="file" id="content">${lines.map((l, i) => html`<span class="ln">${i + 1}</span>${l}\n`)}</pre>`;
}

function subject(message: string): string {
  return message.split('\n', 1)[0];
}

export function commitLog(r: RepoRef, rev: string, l: LogJson, path: string | null): Safe {
  const rows = l.commits.map(
    (c) => html`<tr><td><a class="sha" href="${repoUrl(r, 'commit', c.sha)}">${c.sha.slice(0, 12)}</a></td><td class="subject">${subject(c.message)}</td><td>${c.author.name}</td><td>${c.author.date}</td></tr>`,
  );
  const q = (cursor: string) => `?cursor=${encodeURIComponent(cursor)}${path ? `&path=${encodeURIComponent(path)}` : ''}`;
  return html`<h2>Commits${path ? html` touching <code>${path}</code>` : ''}</h2><table id="log">${rows}</table>
${l.nextCursor ? html`<p><a id="older" href="${repoUrl(r, 'log', rev)}${q(l.nextCursor)}">older</a></p>` : ''}`;
}

/** One file's part of a unified diff: each line classed add/del/hunk/meta/ctx. */
function diffLines(text: string): Safe {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let inHunk = false;
  return html`${lines.map((l) => {
    let cls = 'ctx';
    if (l.startsWith('@@')) {
      cls = 'hunk';
      inHunk = true;
    } else if (!inHunk) cls = 'meta';
    else if (l.startsWith('+')) cls = 'add';
    else if (l.startsWith('-')) cls = 'del';
    else if (l.startsWith('\\')) cls = 'meta';
    return html`<span class="ln ${cls}">${l}</span>`;
  })}`;
}

export function commitPage(r: RepoRef, c: CommitJson, d: CompareJson | null, rootFiles: string[] | null): Safe {
  const parents = c.parents.map((p) => html`<a class="sha" href="${repoUrl(r, 'commit', p)}">${p.slice(0, 12)}</a> `);
  const head = html`<h2 id="subject">${subject(c.message)}</h2>
<p><span class="sha" id="sha">${c.sha}</span> · ${c.author.name} &lt;${c.author.email}&gt; · ${c.author.date}${c.parents.length ? html` · parents ${parents}` : html` · root commit`} · <a href="${repoUrl(r, 'tree', c.sha)}/">browse files</a></p>
<div class="msg">${c.message}</div>`;
  if (rootFiles) return html`${head}<h3>${rootFiles.length} files added</h3><ul id="files">${rootFiles.map((f) => html`<li>${f}</li>`)}</ul>`;
  if (!d) return head;
  const sections = (d.diff ?? '').split(/(?=^diff --git )/m).filter((s) => s.startsWith('diff --git '));
  const files = d.files.map(
    (f) => html`<tr><td>${f.status}</td><td>${f.oldPath ? html`${f.oldPath} &rarr; ` : ''}${f.path}</td><td class="stat"><span class="a">+${f.additions}</span> <span class="d">-${f.deletions}</span></td></tr>`,
  );
  return html`${head}<p class="stat" id="stat">${d.files.length} files changed, <span class="a">${d.additions} additions</span>, <span class="d">${d.deletions} deletions</span></p>
<table id="files">${files}</table>
${sections.map((s) => html`<div class="diff"><h3>${s.split('\n', 1)[0].replace(/^diff --git /, '')}</h3><pre>${diffLines(s)}</pre></div>`)}`;
}
