// HTML for the repository pages: a tagged template that escapes every interpolated value unless
// it is already Safe HTML, so a file name or file content can never become markup. The pages run
// no script, and their Content-Security-Policy says so (the stylesheet is allowed by its hash).
import { createHash } from 'node:crypto';

export class Safe {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function render(v: unknown): string {
  if (v instanceof Safe) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(v);
}

/** `html\`<a href="${url}">${name}</a>\``: values are escaped (arrays joined, Safe kept). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Safe {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Safe(out);
}

/** A path of segments, each percent-encoded (names may hold '#', '?', '%' or spaces). */
export function href(...segments: string[]): string {
  return segments.map((s) => s.split('/').map(encodeURIComponent).join('/')).join('/');
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:10px 24px;display:flex;gap:16px;align-items:center}
header .crumbs a{color:#0969da;text-decoration:none;font-weight:600}
main{padding:16px 24px;max-width:1100px}
nav.tabs a{margin-right:14px;color:#0969da;text-decoration:none}
nav.tabs a.on{font-weight:600;color:#1f2328;border-bottom:2px solid #fd8c73}
nav.tabs form.signout{display:inline;float:right}
tr.dir a{font-weight:600}
td.size{text-align:right;color:#57606a;width:8em}
table{border-collapse:collapse;width:100%}
td,th{padding:4px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
a{color:#0969da}
code,pre,.sha{font-family:ui-monospace,monospace;font-size:12px}
pre.file{border:1px solid #d0d7de;border-radius:6px;padding:8px;overflow:auto}
pre.file .ln{color:#8c959f;user-select:none;display:inline-block;width:4em;text-align:right;margin-right:1em}
.diff{border:1px solid #d0d7de;border-radius:6px;margin:12px 0;overflow:auto}
.diff h3{margin:0;padding:6px 10px;background:#f6f8fa;font:600 13px ui-monospace,monospace;border-bottom:1px solid #d0d7de}
.diff pre{margin:0;padding:0}
.diff .ln{display:block;padding:0 10px;white-space:pre}
.diff .add{background:#dafbe1}.diff .del{background:#ffebe9}.diff .hunk{background:#ddf4ff;color:#57606a}.diff .meta{color:#57606a}
.stat .a{color:#1a7f37}.stat .d{color:#cf222e}
.msg{white-space:pre-wrap;font-family:ui-monospace,monospace;background:#f6f8fa;padding:8px;border-radius:6px}
.err{color:#cf222e}
form.login{max-width:420px;border:1px solid #d0d7de;border-radius:6px;padding:16px}
form.login input[type=password]{width:100%;box-sizing:border-box;padding:6px;margin:8px 0}
`;

const CSS_HASH = createHash('sha256').update(CSS).digest('base64');

/** The page's headers: no script at all, no framing, nothing cached, no referrer. */
export function pageHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'sha256-${CSS_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...extra,
  };
}

/** A whole page: header with breadcrumbs, then the body. */
export function page(title: string, crumbs: Safe, body: Safe, status = 200, headers: Record<string, string> = {}): Response {
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title} · Arbor</title><style>${new Safe(CSS)}</style></head>
<body><header><strong>Arbor</strong><span class="crumbs">${crumbs}</span></header>
<main>${body}</main></body></html>`;
  return new Response(doc.text, { status, headers: pageHeaders(headers) });
}
