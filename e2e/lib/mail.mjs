// Reads the Maildir written by aiosmtpd's Mailbox handler and parses the MIME messages
// (enough for what lettre sends: text/plain, maybe a text/html alternative,
// 7bit / 8bit / quoted-printable / base64, RFC 2047 encoded headers).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

function splitHeadBody(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? [raw.slice(0, m.index), raw.slice(m.index + m[0].length)] : [raw, ''];
}

function parseHeaders(head) {
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] ??= line.slice(i + 1).trim();
  }
  return headers;
}

function decodeWords(value = '') {
  return value
    .replace(/(=\?[^?]+\?[bq]\?[^?]*\?=)\s+(?==\?)/gi, '$1') // whitespace between encoded words
    .replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=/gi, (_, _cs, enc, text) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQP(text.replace(/_/g, ' ')));
}

function decodeQP(text) {
  const bytes = Buffer.from(text.replace(/=\r?\n/g, ''), 'binary');
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes.toString('latin1', i + 1, i + 3);
    if (bytes[i] === 0x3d && /^[0-9A-Fa-f]{2}$/.test(hex)) { out.push(parseInt(hex, 16)); i += 2; }
    else out.push(bytes[i]);
  }
  return Buffer.from(out).toString('utf8');
}

function param(headerValue = '', name) {
  const m = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(headerValue);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Returns the leaf parts of a MIME entity as [{type, body}] with decoded bodies. */
function leaves(raw) {
  const [head, body] = splitHeadBody(raw);
  const h = parseHeaders(head);
  const type = (h['content-type'] || 'text/plain').split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = param(h['content-type'], 'boundary');
    const chunks = body.split(new RegExp(`^--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?$`, 'm'));
    return chunks.slice(1, -1).map((c) => c.replace(/^\r?\n/, '')).flatMap(leaves);
  }
  const cte = (h['content-transfer-encoding'] || '7bit').toLowerCase();
  let text;
  if (cte === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (cte === 'quoted-printable') text = decodeQP(body);
  else text = Buffer.from(body, 'binary').toString('utf8');
  return [{ type, body: text }];
}

const unescapeHtml = (s) => s.replace(/&amp;/g, '&').replace(/&#x3D;|&#61;/gi, '=').replace(/&quot;/g, '"');

/** Parses one raw RFC 5322 message (read as 'binary' / latin1). */
export function parseMessage(raw) {
  const [head] = splitHeadBody(raw);
  const h = parseHeaders(head);
  const parts = leaves(raw);
  const text = parts.find((p) => p.type === 'text/plain')?.body ?? '';
  const html = parts.find((p) => p.type === 'text/html')?.body ?? '';
  const links = new Set();
  for (const m of text.matchAll(/https?:\/\/[^\s<>"')\]]+/g)) links.add(m[0].replace(/[.,;]+$/, ''));
  for (const m of html.matchAll(/href\s*=\s*"(https?:[^"]+)"/gi)) links.add(unescapeHtml(m[1]));
  return {
    subject: decodeWords(h.subject),
    from: decodeWords(h.from),
    to: decodeWords(h.to),
    rcptTo: h['x-rcptto'] || '', // added by aiosmtpd
    text, html, links: [...links], headers: h,
  };
}

/** All messages in the Maildir (new/ and cur/), oldest first. */
export async function readMaildir(dir) {
  const files = [];
  for (const sub of ['new', 'cur']) {
    let names = [];
    try { names = await readdir(join(dir, sub)); } catch { continue; }
    for (const n of names) {
      const p = join(dir, sub, n);
      files.push({ p, mtime: (await stat(p)).mtimeMs });
    }
  }
  files.sort((a, b) => a.mtime - b.mtime);
  return Promise.all(files.map(async ({ p }) => ({ file: p, ...parseMessage(await readFile(p, 'latin1')) })));
}

/** Polls until a message to `to` whose subject matches `subjectRe` arrives; returns the newest. */
export async function waitForMail(dir, to, subjectRe, { timeout = 20_000 } = {}) {
  const deadline = Date.now() + timeout;
  const addr = to.toLowerCase();
  let seen = [];
  while (Date.now() < deadline) {
    seen = await readMaildir(dir);
    const hits = seen.filter((m) =>
      (m.to.toLowerCase().includes(addr) || m.rcptTo.toLowerCase().includes(addr)) && subjectRe.test(m.subject));
    if (hits.length) return hits[hits.length - 1];
    await new Promise((r) => setTimeout(r, 200));
  }
  const summary = seen.map((m) => `  to=${m.to} subject=${JSON.stringify(m.subject)}`).join('\n') || '  (none)';
  throw new Error(`no mail to ${to} matching ${subjectRe} within ${timeout} ms; Maildir has:\n${summary}`);
}
