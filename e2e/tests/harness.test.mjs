// Self-test of the harness pieces that do not need the Rapport server:
// TOTP against RFC 6238 vectors, MIME parsing, aiosmtpd → Maildir, Chromium + axe under a strict CSP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { startHarness } from '../lib/harness.mjs';
import { parseMessage } from '../lib/mail.mjs';
import { totp } from '../lib/totp.mjs';

test('TOTP matches the RFC 6238 SHA-1 test vectors', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
  for (const [t, code] of [[59, '94287082'], [1111111109, '07081804'], [1234567890, '89005924'], [2000000000, '69279037']]) {
    assert.equal(totp(secret, t, 8), code);
    assert.equal(totp(secret, t), code.slice(2));
  }
  assert.equal(totp('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ', 59), '287082'); // spaces allowed
});

test('parses a quoted-printable / base64 multipart/alternative message', () => {
  const html = Buffer.from('<p><a href="http://x.test/verify-email?token=a&amp;b=1">Verify</a></p>').toString('base64');
  const raw = ['Subject: =?utf-8?b?Q29uZmlybSB5b3VyIGUtbWFpbCDigJQgUmFwcG9ydA==?=', 'To: a@example.com',
    'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="XyZ"', '', '--XyZ',
    'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
    'Hello =E2=80=94 open http://x.test/verify-email?token=3Dabc=', 'def to confirm.', '--XyZ',
    'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', html, '--XyZ--', ''].join('\r\n');
  const m = parseMessage(raw);
  assert.equal(m.subject, 'Confirm your e-mail — Rapport');
  assert.match(m.text, /^Hello — open/);
  assert.deepEqual(m.links, ['http://x.test/verify-email?token=abcdef', 'http://x.test/verify-email?token=a&b=1']);
});

let h;
before(async () => { h = await startHarness({ name: 'harness-selftest', server: false }); });
after(async () => { await h?.stop(); });

test('aiosmtpd receives a mail into the Maildir and waitForMail reads it', async () => {
  const py = `
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'Rapport <no-reply@rapport.test>'; m['To'] = 'Client <client@example.com>'
m['Subject'] = 'Confirm your e-mail address — Rapport'
m.set_content('Welcome — please open http://127.0.0.1:1/verify-email?token=tok_123 to confirm.\\n', charset='utf-8', cte='quoted-printable')
m.add_alternative('<p>Welcome — <a href="http://127.0.0.1:1/verify-email?token=tok_123&amp;x=1">confirm</a></p>', subtype='html', cte='base64')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s: s.send_message(m)
`;
  const r = spawnSync('python3', ['-c', py, String(h.smtpPort)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const mail = await h.waitForMail('client@example.com', /Confirm your e-mail/);
  assert.equal(mail.subject, 'Confirm your e-mail address — Rapport');
  assert.match(mail.text, /Welcome — please open/);
  assert.deepEqual(mail.links, ['http://127.0.0.1:1/verify-email?token=tok_123', 'http://127.0.0.1:1/verify-email?token=tok_123&x=1']);
  await assert.rejects(h.waitForMail('nobody@example.com', /x/, { timeout: 500 }), /no mail to nobody@example.com/);
});

test('axeScan works under a strict CSP and catches violations and CSP errors', async () => {
  const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  const good = '<!doctype html><html lang="en"><head><title>Good</title></head><body><header><nav><a href="/">Home</a></nav></header>' +
    '<main><h1>Hello</h1><label for="e">E-mail</label><input id="e" type="email"></main><footer>Crisis? Call or text 988.</footer></body></html>';
  const bad = '<!doctype html><html><head><title>Bad</title></head><body><main><img src="/x.png"><input type="text">' +
    '<script>document.title = "inline"</script></main></body></html>';
  const srv = http.createServer((req, res) => {
    res.writeHead(req.url === '/x.png' ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
    res.end(req.url === '/bad' ? bad : good);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const page = await h.newPage(`http://127.0.0.1:${srv.address().port}`);
    await page.goto('/good');
    await h.checkPage(page);
    await page.goto('/bad');
    await assert.rejects(h.axeScan(page), /Content Security Policy/);
    await assert.rejects(h.axeScan(page), /\[critical\] image-alt[\s\S]*\[critical\] label/);
    await page.context().close();
  } finally {
    srv.close();
  }
});
