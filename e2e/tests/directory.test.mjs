// Therapist directory, end to end across four browser contexts (so no cookies are shared):
// a demo therapist submits a license for New Mexico (enrolling in two-step verification
// first), the demo admin verifies it from the queue, a client finds the therapist in a New
// Mexico search and reads the verified-license line on the public profile, and another client
// searching Alaska does not see them. The license number is unique to this run, so the test
// relies on no demo license or listing. Every page visited is checked with axe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../lib/harness.mjs';
import { freshTotp } from '../lib/totp.mjs';

let h;
before(async () => { h = await startHarness({ name: 'directory' }); });
after(async () => { await h?.stop(); });

const PASSWORD = 'rapport-demo-passphrase';
// The public listing needs a therapist profile row, which only demo data creates; override
// with a demo therapist that has one if this one does not.
const THERAPIST = process.env.E2E_DIRECTORY_THERAPIST || 'james.okafor@demo.rapport.localhost';
const ADMIN = 'admin@demo.rapport.localhost';
const CLIENT_FINDS = 'jordan@demo.rapport.localhost';
const CLIENT_ELSEWHERE = 'maria@demo.rapport.localhost';

const NUMBER = `E2E${Date.now()}`;
const TYPE_LABEL = 'Licensed Professional Counselor';
const atPath = (path) => (url) => url.pathname === path;
const navLink = (page, name) => page.locator('nav').getByRole('link', { name, exact: true }).first();
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const notice = (page) => page.locator('main p.notice[role="status"]');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Today in UTC, formatted as the profile page does ("26 Nov 2026"). */
const todayUtc = (d = new Date()) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;

async function logIn(page, email) {
  await page.goto('/login');
  await h.checkPage(page);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await button(page, 'Log in').click();
  await page.waitForLoadState('load');
}

/** Clinicians are sent to TOTP enrolment at their first login, before anything else. */
async function logInAndEnrol(page, email) {
  await logIn(page, email);
  await page.waitForURL(atPath('/account/mfa'));
  await page.getByRole('heading', { name: 'Set up two-step verification' }).first().waitFor();
  await h.checkPage(page);
  const secret = (await page.locator('code#totp-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}=*$/, 'secret is base32');
  const { code } = await freshTotp(secret);
  await page.getByLabel('Six-digit code', { exact: true }).fill(code);
  await button(page, 'Turn on two-step verification').click();
  await page.locator('ol#recovery-codes').waitFor();
  await h.checkPage(page);
  await page.getByRole('link', { name: 'Continue', exact: true }).click();
  await page.waitForLoadState('load');
  await navLink(page, 'Account').waitFor();
  await h.checkPage(page);
}

/** The result links (name → href) on a /therapists page. */
async function resultLinks(page) {
  await page.getByRole('heading', { level: 1, name: 'Find a therapist', exact: true }).waitFor();
  return page.locator('main ul.results > li h3 a').evaluateAll((as) => as.map((a) => ({
    name: a.textContent.trim(), href: a.getAttribute('href') })));
}

test('a verified New Mexico license lists the therapist in New Mexico, not in Alaska', { timeout: 240_000 }, async () => {
  // 1. The therapist submits a license.
  const therapist = await h.newPage();
  const licenseItem = () => therapist.locator('main ul.results > li')
    .filter({ has: therapist.getByRole('heading', { level: 2, name: `#${NUMBER} ` }) });

  await h.step(therapist, 'therapist: log in and enrol in two-step verification', () => logInAndEnrol(therapist, THERAPIST));

  await h.step(therapist, 'therapist: open Licenses', async () => {
    await navLink(therapist, 'Licenses').click();
    await therapist.waitForURL(atPath('/therapist/licenses'));
    await therapist.getByRole('heading', { level: 1, name: 'Your licenses', exact: true }).waitFor();
    await h.checkPage(therapist);
  });

  await h.step(therapist, 'therapist: submit a New Mexico license', async () => {
    const form = therapist.locator('section').filter({ has: therapist.getByRole('heading', { level: 2, name: 'Add a license', exact: true }) });
    const type = form.getByLabel('Type', { exact: true });
    await type.selectOption('lpc');
    assert.equal(await type.locator('option:checked').innerText(), TYPE_LABEL, 'lpc is labelled "Licensed Professional Counselor"');
    await form.getByLabel('License number', { exact: true }).fill(NUMBER);
    await form.getByLabel('Country', { exact: true }).selectOption({ label: 'United States' });
    await form.getByLabel('State, province or region code (e.g. TX, ON)', { exact: true }).fill('NM');
    await form.getByLabel('Issued on', { exact: true }).fill('2021-01-15');
    await form.getByLabel('Expires on', { exact: true }).fill('2031-01-15');
    await button(form, 'Submit for verification').click();
    await therapist.waitForURL(atPath('/therapist/licenses'));
    await notice(therapist).waitFor();
    assert.match(await notice(therapist).innerText(), /^Submitted\./, 'the "Submitted." notice is shown');
    await licenseItem().waitFor();
    assert.equal(await licenseItem().count(), 1, `exactly one license #${NUMBER} is listed`);
    assert.equal((await licenseItem().locator('strong').first().innerText()).trim(), 'Waiting for verification');
    await h.checkPage(therapist);
  });

  // 2. The admin verifies it.
  const admin = await h.newPage();
  let therapistName, verifiedDays;
  await h.step(admin, 'admin: log in and enrol in two-step verification', () => logInAndEnrol(admin, ADMIN));

  await h.step(admin, 'admin: verify the license from the queue', async () => {
    await navLink(admin, 'Licenses').click();
    await admin.waitForURL(atPath('/admin/licenses'));
    await admin.getByRole('heading', { level: 1, name: 'License verification', exact: true }).waitFor();
    await h.checkPage(admin);
    const heading = admin.getByRole('heading', { level: 2, name: `#${NUMBER} ` });
    assert.equal(await heading.count(), 1, `one queue entry for #${NUMBER}`);
    const text = (await heading.innerText()).trim();
    const at = text.indexOf(`: ${TYPE_LABEL}, New Mexico #${NUMBER} `);
    assert.ok(at > 0, `the queue heading names the therapist and the license; got ${JSON.stringify(text)}`);
    therapistName = text.slice(0, at);
    const section = admin.locator('section').filter({ has: heading });
    await section.getByLabel('Verified how', { exact: true }).selectOption({ label: 'Registry lookup' });
    await section.getByLabel('Note', { exact: true }).fill('e2e');
    verifiedDays = new Set([todayUtc()]);
    await button(section, 'Verify').click();
    await admin.waitForURL(atPath('/admin/licenses'));
    verifiedDays.add(todayUtc());
    await notice(admin).waitFor();
    assert.match(await notice(admin).innerText(), /^Verified\./, 'the "Verified." notice is shown');
    assert.equal(await admin.getByRole('heading', { level: 2, name: `#${NUMBER} ` }).count(), 0, 'the license has left the queue');
    await h.checkPage(admin);
  });

  await h.step(therapist, 'therapist: the license shows as verified', async () => {
    await therapist.goto('/therapist/licenses');
    await licenseItem().waitFor();
    assert.equal((await licenseItem().locator('strong').first().innerText()).trim(), 'Verified by registry lookup');
    await h.checkPage(therapist);
  });

  // 3. A client in New Mexico finds the therapist and reads the verified license.
  const jordan = await h.newPage();
  await h.step(jordan, 'client (jordan): log in', async () => {
    await logIn(jordan, CLIENT_FINDS);
    await navLink(jordan, 'Account').waitFor();
    await h.checkPage(jordan);
  });

  let profileHref;
  await h.step(jordan, 'client (jordan): search New Mexico', async () => {
    await jordan.goto('/therapists?country=US&region=NM');
    const links = await resultLinks(jordan);
    const hit = links.find((l) => l.name === therapistName);
    assert.ok(hit, `"${therapistName}" is among the New Mexico results (does ${THERAPIST} have a therapist profile? ` +
      `Only therapists with a profile row are listed); results: ${JSON.stringify(links)}`);
    assert.match(hit.href, /^\/therapists\/[^/?#]+$/, 'the result links to /therapists/<id>');
    profileHref = hit.href;
    assert.equal(await jordan.getByLabel('Country', { exact: true }).inputValue(), 'US', 'the search echoes the country');
    assert.equal(await jordan.getByLabel('State, province or region', { exact: true }).inputValue(), 'NM', 'the search echoes the region');
    await h.checkPage(jordan);
  });

  await h.step(jordan, 'client (jordan): open the profile', async () => {
    await jordan.locator('main ul.results').getByRole('link', { name: therapistName, exact: true }).first().click();
    await jordan.waitForURL(atPath(profileHref));
    await jordan.getByRole('heading', { level: 1, name: therapistName }).waitFor();
    const section = jordan.locator('section').filter({ has: jordan.getByRole('heading', { level: 2, name: 'Verified licenses', exact: true }) });
    const lines = (await section.locator('li').allInnerTexts()).map((s) => s.trim());
    const expected = [...verifiedDays].map((day) =>
      `${TYPE_LABEL}, New Mexico #${NUMBER} — verified ${day} by registry lookup — valid until 15 Jan 2031`);
    assert.ok(lines.some((l) => expected.includes(l)),
      `the profile lists ${JSON.stringify(expected[0])}; verified licenses shown: ${JSON.stringify(lines)}`);
    await h.checkPage(jordan);
  });

  // 4. A client in Alaska does not see the therapist.
  const maria = await h.newPage();
  await h.step(maria, 'client (maria): log in', async () => {
    await logIn(maria, CLIENT_ELSEWHERE);
    await navLink(maria, 'Account').waitFor();
    await h.checkPage(maria);
  });

  const byName = `q=${encodeURIComponent(therapistName)}`;
  await h.step(maria, 'client (maria): the name search finds the therapist in New Mexico (control)', async () => {
    await maria.goto(`/therapists?country=US&region=NM&${byName}`);
    const links = await resultLinks(maria);
    assert.ok(links.some((l) => l.name === therapistName),
      `searching "${therapistName}" in New Mexico finds them; results: ${JSON.stringify(links)}`);
    await h.checkPage(maria);
  });

  await h.step(maria, 'client (maria): search Alaska', async () => {
    await maria.goto(`/therapists?country=US&region=AK&${byName}`);
    const links = await resultLinks(maria);
    assert.equal(await maria.getByLabel('State, province or region', { exact: true }).inputValue(), 'AK', 'the search echoes the region');
    assert.ok(!links.some((l) => l.name === therapistName || l.href === profileHref),
      `"${therapistName}" is not listed in Alaska; results: ${JSON.stringify(links)}`);
    await h.checkPage(maria);
  });
  h.assertNoProblems();
});
