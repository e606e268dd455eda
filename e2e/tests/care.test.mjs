// Care relationships, end to end in two browser contexts: a demo client writes to Dr. Lee
// from her profile asking for a free consultation; Dr. Lee (enrolling in two-step
// verification first) finds the request among her clients, reads it and accepts it with a
// note; the client sees the note and can book; then the client ends care with a reason,
// which Dr. Lee reads. Both sides are told by e-mail, without the text. Every page is checked
// with axe and must fit a 390-px-wide phone screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../lib/harness.mjs';
import { freshTotp } from '../lib/totp.mjs';

let h;
before(async () => { h = await startHarness({ name: 'care' }); });
after(async () => { await h?.stop(); });

const PASSWORD = 'rapport-demo-passphrase';
const CLIENT = 'fatima@demo.rapport.localhost';
const THERAPIST = 'dr.lee@demo.rapport.localhost';
const MESSAGE = `I would like to work on sleep and worry. Could we talk first? (${Date.now()})`;
const NOTE = 'Happy to meet you. Please book an intake at a time that suits you.';
const REASON = 'I found a therapist closer to home. Thank you.';
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const navLink = (page, name) => page.locator('nav').getByRole('link', { name, exact: true }).first();
const notice = (page) => page.locator('main p.notice[role="status"]');

async function logIn(page, email) {
  await page.goto('/login');
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await button(page, 'Log in').click();
  await page.waitForLoadState('load');
}

async function enrol(page) {
  await page.waitForURL((u) => u.pathname === '/account/mfa');
  const secret = (await page.locator('code#totp-secret').innerText()).replace(/\s+/g, '');
  const { code } = await freshTotp(secret);
  await page.getByLabel('Six-digit code', { exact: true }).fill(code);
  await button(page, 'Turn on two-step verification').click();
  await page.locator('ol#recovery-codes').waitFor();
  await page.getByRole('link', { name: 'Continue', exact: true }).click();
  await page.waitForLoadState('load');
}

/** axe, the crisis footer, and no horizontal scrolling on a phone-width screen. */
async function check(page) {
  await h.checkPage(page);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.setViewportSize(size);
  assert.ok(wide <= 390, `${page.url()} is ${wide} px wide at 390 px`);
}

test('a client writes first, the therapist accepts, and the client ends care', { timeout: 240_000 }, async () => {
  const client = await h.newPage();
  const therapist = await h.newPage();
  let care = '';

  await h.step(client, 'client: write to Dr. Lee from her profile', async () => {
    await logIn(client, CLIENT);
    await client.goto('/therapists');
    await client.getByRole('link', { name: 'Dr. Hannah Lee', exact: true }).first().click();
    await client.getByRole('link', { name: 'Ask a question first', exact: true }).click();
    await client.getByRole('heading', { level: 1, name: 'Write to Dr. Hannah Lee (Licensed Psychologist, verified)' }).waitFor();
    await check(client);
    await client.getByLabel('Ask for a free consultation', { exact: true }).check();
    await client.getByLabel('Your message', { exact: true }).fill(MESSAGE);
    await button(client, 'Send').click();
    await client.waitForURL((u) => u.pathname.startsWith('/care/'));
    care = new URL(client.url()).pathname;
    assert.match(await notice(client).innerText(), /Your message was sent/);
    assert.ok((await client.locator('main').innerText()).includes(MESSAGE));
    await check(client);
  });

  await h.step(therapist, 'therapist: find the request among her clients and accept it', async () => {
    const mail = await h.waitForMail(THERAPIST, /A new contact request/);
    assert.ok(!mail.text.includes(MESSAGE), 'the mail does not carry the message');
    await logIn(therapist, THERAPIST);
    await enrol(therapist);
    await navLink(therapist, 'Clients').click();
    await therapist.getByRole('heading', { level: 1, name: 'Your clients' }).waitFor();
    await check(therapist);
    const row = therapist.locator('tbody tr').filter({ hasText: 'Fatima' });
    assert.match(await row.innerText(), /New request: please answer/);
    await row.getByRole('link').first().click();
    await therapist.waitForURL((u) => u.pathname === care);
    assert.ok((await therapist.locator('main').innerText()).includes(MESSAGE));
    await check(therapist);
    await therapist.getByLabel(/A note to .* \(optional\)$/).fill(NOTE);
    await button(therapist, 'Accept').click();
    await therapist.waitForURL((u) => u.pathname === care);
    assert.match(await notice(therapist).innerText(), /Accepted/);
  });

  await h.step(client, 'client: sees the answer and can book, then ends care', async () => {
    await h.waitForMail(CLIENT, /Your request was accepted/);
    await navLink(client, 'My therapists').click();
    await client.getByRole('heading', { level: 1, name: 'Your therapists' }).waitFor();
    assert.match(await client.locator('tbody').innerText(), /Dr\. Hannah Lee \(Licensed Psychologist, verified\)\s+In care/);
    await check(client);
    await client.goto(care);
    const main = await client.locator('main').innerText();
    assert.ok(main.includes(NOTE), 'the therapist\'s note');
    await client.getByRole('link', { name: 'Book a session', exact: true }).waitFor();
    await client.getByLabel(/^Why \(optional/).fill(REASON);
    await button(client, 'End care').click();
    await client.waitForURL((u) => u.pathname === care);
    assert.match(await notice(client).innerText(), /Care has ended/);
    await check(client);
  });

  await h.step(therapist, 'therapist: reads why care ended; no actions remain', async () => {
    await h.waitForMail(THERAPIST, /Care has ended/);
    await therapist.goto(care);
    const main = await therapist.locator('main').innerText();
    assert.ok(main.includes(REASON));
    assert.equal(await button(therapist, 'End care').count(), 0);
    await check(therapist);
  });
  h.assertNoProblems();
});
