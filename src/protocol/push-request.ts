// The push request (git's pack-protocol.txt, "Reference Update Request"): commands
// `<old> <new> <ref>` (the first carrying `\0<capabilities>`), `shallow <oid>` lines from
// shallow clones, a flush, then push-options (when both sides have the capability) and a flush;
// the pack follows. Encode (clients, tests) and streaming decode (receive-pack).
import type { RefUpdate } from '../storage/refs';
import type { PktStream } from './pkt-stream';
import { FLUSH, ProtocolError, concatBytes, pkt, pktText, splitCapabilities } from './pktline';
import { MAX_PUSH_COMMANDS, MAX_PUSH_OPTIONS } from './push-limits';

const OID_RE = /^[0-9a-f]{40}$/;

export interface PushCommand extends RefUpdate {}

export interface PushRequestHead {
  commands: PushCommand[];
  caps: Set<string>;
  options: string[];
}

/** The next pkt-line as text, null for a flush; the end of the body or a delim is an error. */
async function line(r: PktStream): Promise<string | null> {
  const p = await r.packet();
  if (p === null) throw new ProtocolError('unexpected end of push request');
  if (p.kind === 'flush') return null;
  if (p.kind !== 'data') throw new ProtocolError(`unexpected ${p.kind} packet in push request`);
  return pktText(p.data);
}

/** Reads the commands and push-options; the reader is left at the first byte of the pack. */
export async function readPushHead(reader: PktStream): Promise<PushRequestHead> {
  const commands: PushCommand[] = [];
  let caps = new Set<string>();
  for (;;) {
    const l = await line(reader);
    if (l === null) break;
    let text = l;
    if (commands.length === 0) {
      const s = splitCapabilities(l);
      text = s.line;
      caps = new Set(s.caps);
    }
    if (text.startsWith('shallow ')) continue; // pushes from shallow clones announce their boundary
    const parts = text.split(' ');
    if (parts.length !== 3 || !OID_RE.test(parts[0]) || !OID_RE.test(parts[1])) {
      throw new ProtocolError(`invalid push command '${text.slice(0, 100)}'`);
    }
    commands.push({ oldOid: parts[0], newOid: parts[1], name: parts[2] });
    // Past the limit the push is refused (push-limits.ts): the rest is only drained, not parsed.
    if (commands.length > MAX_PUSH_COMMANDS) return { commands, caps, options: [] };
  }
  const options: string[] = [];
  if (caps.has('push-options') && commands.length > 0) {
    for (let l = await line(reader); l !== null; l = await line(reader)) {
      options.push(l);
      if (options.length > MAX_PUSH_OPTIONS) break; // refused, as above
    }
  }
  return { commands, caps, options };
}

/** The request's pkt-lines (without the pack), as a git client sends them. */
export function encodePushHead(head: { commands: PushCommand[]; caps?: Iterable<string>; options?: string[] }): Uint8Array {
  const caps = [...(head.caps ?? [])];
  const parts = head.commands.map((c, i) => pkt(`${c.oldOid} ${c.newOid} ${c.name}${i === 0 && caps.length ? `\0${caps.join(' ')}` : ''}\n`));
  parts.push(FLUSH);
  if (head.options && caps.includes('push-options')) {
    for (const o of head.options) parts.push(pkt(`${o}\n`));
    parts.push(FLUSH);
  }
  return concatBytes(parts);
}
