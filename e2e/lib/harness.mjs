// Per-test-file harness: a real SMTP server (aiosmtpd → Maildir), the Rapport server in
// demo mode, and Debian's Chromium driven by playwright-core. Everything is torn down
// by stop(), which is safe to call after a partial start.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { waitForMail } from './mail.mjs';

export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(E2E_DIR, '..');
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic', '--no-first-run'];

export function rapportBin() {
  if (process.env.RAPPORT_BIN) return resolve(process.env.RAPPORT_BIN);
  if (process.env.CARGO_TARGET_DIR) return resolve(process.env.CARGO_TARGET_DIR, 'debug/rapport');
  const candidates = [join(REPO_ROOT, '../target/debug/rapport'), join(REPO_ROOT, 'target/debug/rapport')];
  return candidates.find(existsSync) ?? candidates[0];
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer().once('error', rej);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => res(port)); });
  });
}

async function waitUntil(what, check, { timeout, proc, log }) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`${what}: process exited with ${proc.exitCode}${logTail(log)}`);
    if (await check().catch(() => false)) return;
    await sleep(150);
  }
  throw new Error(`${what}: not ready within ${timeout} ms${logTail(log)}`);
}

const portOpen = (port) => new Promise((res) => {
  const s = net.connect(port, '127.0.0.1', () => { s.end(); res(true); }).once('error', () => res(false));
});

function logTail(file, lines = 40) {
  if (!file || !existsSync(file)) return '';
  const tail = readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  return `\n--- last lines of ${file} ---\n${tail}`;
}

// Last-resort cleanup if the test process ends without running stop().
const live = new Set();
process.once('exit', () => { for (const p of live) try { p.kill('SIGKILL'); } catch {} });

function startProcess(cmd, args, logFile, env = process.env) {
  const out = createWriteStream(logFile);
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  proc.stdout.pipe(out);
  proc.stderr.pipe(out);
  proc.on('error', (e) => out.write(`\n[spawn error] ${e.message}\n`));
  return proc;
}

async function stopProcess(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
  proc.kill('SIGKILL');
  await exited;
}

/**
 * Starts SMTP, server and browser. Options: { server: false } skips the Rapport server
 * (used by the harness self-test).
 */
export async function startHarness({ name = 'e2e', server = true } = {}) {
  if (server && !existsSync(rapportBin())) {
    throw new Error(`Rapport binary not found at ${rapportBin()} (set RAPPORT_BIN or CARGO_TARGET_DIR, or build it)`);
  }
  const h = new Harness(await mkdtemp(join(tmpdir(), `rapport-${name}-`)), name);
  try {
    await h.startSmtp();
    if (server) await h.startServer();
    await h.startBrowser();
  } catch (e) {
    await h.stop({ keep: true });
    throw e;
  }
  return h;
}

class Harness {
  constructor(dir, name) {
    Object.assign(this, { dir, name, procs: [], problems: [], failed: false });
    this.maildir = join(dir, 'maildir');
    this.artifacts = join(E2E_DIR, 'test-results', name);
  }

  async startSmtp() {
    this.smtpPort = await freePort();
    this.smtpLog = join(this.dir, 'smtp.log');
    const proc = startProcess('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${this.smtpPort}`,
      '-c', 'aiosmtpd.handlers.Mailbox', this.maildir], this.smtpLog);
    this.procs.push(proc);
    await waitUntil('aiosmtpd', () => portOpen(this.smtpPort), { timeout: 20_000, proc, log: this.smtpLog });
  }

  async startServer() {
    const bin = rapportBin();
    const port = await freePort();
    this.baseURL = `http://127.0.0.1:${port}`;
    this.serverLog = join(this.dir, 'server.log');
    const args = ['serve', '--demo', '--listen', `127.0.0.1:${port}`, '--data-dir', join(this.dir, 'data'),
      '--base-url', this.baseURL, '--smtp-url', `smtp://127.0.0.1:${this.smtpPort}`];
    const env = { ...process.env };
    delete env.RAPPORT_DATABASE_URL;
    if (process.env.E2E_DATABASE_URL) args.push('--database-url', process.env.E2E_DATABASE_URL);
    const proc = startProcess(bin, args, this.serverLog, env);
    this.procs.push(proc);
    await waitUntil('rapport serve /healthz', async () => (await fetch(`${this.baseURL}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200,
      { timeout: 60_000, proc, log: this.serverLog });
  }

  async startBrowser() {
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }

  /** A fresh browser context + page that records CSP violations and off-origin requests. */
  async newPage(baseURL = this.baseURL) {
    const context = await this.browser.newContext({ baseURL });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/content security policy/i.test(msg.text())) this.problems.push(`CSP violation on ${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.problems.push(`uncaught page error on ${page.url()}: ${err.message}`));
    const origin = baseURL && new URL(baseURL).origin;
    page.on('request', (req) => {
      const u = req.url();
      if (origin && /^https?:/.test(u) && new URL(u).origin !== origin) this.problems.push(`third-party request from ${page.url()}: ${u}`);
    });
    return page;
  }

  /** Throws if any page so far logged a CSP violation, threw, or contacted another origin. */
  assertNoProblems() {
    if (this.problems.length) {
      const list = this.problems.splice(0);
      throw new Error(`browser problems:\n  ${list.join('\n  ')}`);
    }
  }

  /** Runs axe-core on the page; fails on 'serious' or 'critical' violations. */
  async axeScan(page) {
    await page.waitForLoadState('load');
    // CDP evaluation is not subject to the page's CSP, so no <script> tag is needed.
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE_SOURCE};void 0`);
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })) }));
    });
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    this.assertNoProblems();
    if (!bad.length) return violations;
    const text = bad.map((v) => `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` + v.nodes.map((n) =>
      `    at ${n.target}\n      ${n.html.slice(0, 200)}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n')).join('\n');
    throw new Error(`accessibility violations on ${page.url()}:\n${text}`);
  }

  /** axeScan + the crisis-resources footer every page must carry. */
  async checkPage(page) {
    await this.axeScan(page);
    const footer = await page.locator('footer').last().innerText().catch(() => '');
    if (!footer.includes('988')) throw new Error(`no crisis-resources footer mentioning 988 on ${page.url()} (footer: ${JSON.stringify(footer.slice(0, 200))})`);
  }

  waitForMail(to, subjectRe, opts) { return waitForMail(this.maildir, to, subjectRe, opts); }

  /** Runs one step of a flow; on failure saves a screenshot and says what the page showed. */
  async step(page, title, fn) {
    try {
      return await fn();
    } catch (e) {
      this.failed = true;
      let shown = '';
      if (page && !page.isClosed()) {
        mkdirSync(this.artifacts, { recursive: true });
        const shot = join(this.artifacts, `${title.replace(/[^a-z0-9]+/gi, '-')}.png`);
        await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
        const body = await page.locator('body').innerText({ timeout: 2000 }).catch(() => '(unreadable)');
        shown = `\npage URL: ${page.url()}\nscreenshot: ${shot}\npage text:\n  ${body.slice(0, 1500).replace(/\n+/g, '\n  ')}`;
      }
      e.message = `step "${title}" failed: ${e.message}${shown}${logTail(this.serverLog, 25)}`;
      throw e;
    }
  }

  async stop({ keep = this.failed || !!process.env.E2E_KEEP_TMP } = {}) {
    await this.browser?.close().catch(() => {});
    for (const p of this.procs.reverse()) await stopProcess(p);
    this.procs = [];
    if (keep) console.error(`[harness] kept ${this.dir} (logs, maildir, data)`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}
