// Accounts: sign-up with e-mail verification over real SMTP, TOTP enrolment, MFA login,
// and the generic wrong-credentials error. Every page visited is checked with axe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startHarness } from '../lib/harness.mjs';
import { freshTotp } from '../lib/totp.mjs';

let h;
before(async () => { h = await startHarness({ name: 'accounts' }); });
after(async () => { await h?.stop(); });

const uniqueEmail = (tag) => `e2e-${tag}-${randomBytes(4).toString('hex')}@example.com`;
const PASSWORD = 'Quartz-meadow-tidal-9182';
const atPath = (path) => (url) => url.pathname === path;

async function signUp(page, email) {
  await page.goto('/signup');
  await h.checkPage(page);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Display name', { exact: true }).fill('Robin E2E');
  await page.getByLabel('Pronouns (optional)', { exact: true }).fill('they/them');
  const tz = page.getByLabel('Time zone', { exact: true });
  assert.equal(await tz.inputValue(), 'UTC', 'time zone is prefilled with UTC');
  await tz.fill('America/Chicago');
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await page.waitForURL(atPath('/signup/check-email'));
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await h.checkPage(page);
}

async function logIn(page, email, password = PASSWORD) {
  await page.goto('/login');
  await h.checkPage(page);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForLoadState('load');
}

// The site navigation (there may be more than one <nav>, e.g. a skip link bar).
const navLink = (page, name) => page.locator('nav').getByRole('link', { name, exact: true }).first();
const logOutButton = (page) => page.getByRole('button', { name: 'Log out', exact: true });

async function expectSignedIn(page) {
  await navLink(page, 'Account').waitFor();
  await logOutButton(page).first().waitFor();
  assert.doesNotMatch(new URL(page.url()).pathname, /^\/login/, 'left the login pages');
}

test('sign up, verify e-mail, enrol TOTP, log in with a six-digit code', { timeout: 180_000 }, async () => {
  const page = await h.newPage();
  const email = uniqueEmail('client');
  const step = (title, fn) => h.step(page, title, fn);

  await step('sign up', () => signUp(page, email));

  const mail = await step('read the verification e-mail', () => h.waitForMail(email, /Confirm your e-mail/i));
  const link = mail.links.find((l) => l.startsWith(`${h.baseURL}/verify-email?token=`));
  assert.ok(link, `verification link to ${h.baseURL}/verify-email?token=… in mail; links: ${JSON.stringify(mail.links)}`);

  await step('open the verification link and confirm', async () => {
    await page.goto(link);
    await h.checkPage(page);
    await page.getByRole('button', { name: 'Verify my e-mail', exact: true }).click();
    await page.waitForURL(atPath('/login'));
    await page.getByText('Your e-mail address is confirmed').waitFor();
    await h.checkPage(page);
  });

  let home;
  await step('log in (no MFA yet)', async () => {
    await logIn(page, email);
    await expectSignedIn(page);
    home = new URL(page.url()).pathname;
    await h.checkPage(page);
  });

  let secret, enrolStep;
  await step('enrol TOTP', async () => {
    await navLink(page, 'Account').click();
    await page.waitForURL(atPath('/account'));
    await h.checkPage(page);
    await page.getByRole('main').getByRole('link', { name: 'Set up two-step verification', exact: true }).click();
    await page.waitForURL(atPath('/account/mfa'));
    await h.checkPage(page);
    const qr = await page.evaluate(() => [...document.querySelectorAll('svg')].some((s) => {
      const r = s.getBoundingClientRect();
      return r.width >= 80 && r.height >= 80;
    }));
    assert.ok(qr, 'a QR code (an inline <svg> at least 80 px square) is shown');
    secret = (await page.locator('code#totp-secret').innerText()).replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{16,}=*$/, 'secret is base32');
    const { code, step: s } = await freshTotp(secret);
    enrolStep = s;
    await page.getByLabel('Six-digit code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Turn on two-step verification', exact: true }).click();
    await page.locator('ol#recovery-codes').waitFor();
    const codes = await page.locator('ol#recovery-codes > li').allInnerTexts();
    assert.equal(codes.length, 10, `10 recovery codes, got ${JSON.stringify(codes)}`);
    assert.equal(new Set(codes).size, 10, 'recovery codes are distinct');
    await h.checkPage(page);
    await page.getByRole('link', { name: 'Continue', exact: true }).click();
    await page.waitForLoadState('load');
    await h.checkPage(page);
  });

  await step('log out', async () => {
    await logOutButton(page).first().click();
    await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/login');
    await navLink(page, 'Log in').waitFor();
    assert.equal(await logOutButton(page).count(), 0, 'no "Log out" once anonymous');
    await h.checkPage(page);
  });

  await step('log in again with the six-digit code', async () => {
    await logIn(page, email);
    await page.waitForURL(atPath('/login/mfa'));
    await h.checkPage(page);
    // A code from a later time step than enrolment: a server may refuse a replayed step.
    const { code } = await freshTotp(secret, enrolStep);
    await page.getByLabel('Six-digit code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await expectSignedIn(page);
    assert.equal(new URL(page.url()).pathname, home, 'lands on the same signed-in home page as before');
    await h.checkPage(page);
  });
  h.assertNoProblems();
});

test('a wrong password shows the generic error, same as an unknown e-mail', { timeout: 120_000 }, async () => {
  const page = await h.newPage();
  const email = uniqueEmail('wrongpw');
  const step = (title, fn) => h.step(page, title, fn);
  await step('sign up', () => signUp(page, email));

  const shown = {};
  for (const [label, addr, pw] of [['wrong password', email, 'Not-the-password-123'],
    ['unknown e-mail', uniqueEmail('nobody'), PASSWORD]]) {
    await step(`log in with ${label}`, async () => {
      await logIn(page, addr, pw);
      await page.getByText('Incorrect e-mail or password.').waitFor();
      assert.match(new URL(page.url()).pathname, /^\/login/, 'stays on the login page');
      assert.equal(await logOutButton(page).count(), 0, 'not signed in');
      const text = await page.locator('main').innerText();
      assert.doesNotMatch(text, /not (been )?(found|registered|verified|confirmed)|no account|unknown|wrong password/i,
        'the error does not say which part was wrong');
      shown[label] = text.replace(addr, '<email>');
      await h.checkPage(page);
    });
  }
  assert.equal(shown['wrong password'], shown['unknown e-mail'], 'both failures show the same page text');
  h.assertNoProblems();
});
