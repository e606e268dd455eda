// Consents and privacy, as the demo client: sign the informed consent (after the empty-name
// error), download what was signed and check its SHA-256, sign and withdraw the optional
// messaging policy, then the privacy centre and its FHIR download. Every page is checked with axe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startHarness } from '../lib/harness.mjs';

let h;
before(async () => { h = await startHarness({ name: 'privacy' }); });
after(async () => { await h?.stop(); });

const EMAIL = 'jordan@demo.rapport.localhost';
const PASSWORD = 'rapport-demo-passphrase';
const NAME = 'Jordan Rivera';
const atPath = (path) => (url) => url.pathname === path;
const navLink = (page, name) => page.locator('nav').getByRole('link', { name, exact: true }).first();
const button = (page, name) => page.getByRole('button', { name, exact: true });
const rowOf = (page, title) => page.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) });

async function download(page, linkName) {
  const [dl] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', { name: linkName, exact: true }).click()]);
  assert.equal(await dl.failure(), null, `download "${linkName}" succeeded`);
  return readFile(await dl.path(), 'utf8');
}

async function openConsent(page, title, key) {
  await navLink(page, 'Consents').click();
  await page.waitForURL(atPath('/consents'));
  await page.getByRole('link', { name: title, exact: true }).click();
  await page.waitForURL(atPath(`/consents/${key}`));
  await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  await h.checkPage(page);
}

async function sign(page, name) {
  await page.getByLabel('Type your full name to sign', { exact: true }).fill(name);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/consents\/[^/]+\/sign$/.test(new URL(r.url()).pathname)),
    button(page, 'Sign').click()]);
  await page.waitForLoadState('load');
  return res.status();
}

test('sign, download and withdraw consents; the privacy centre and its FHIR record', { timeout: 180_000 }, async () => {
  const page = await h.newPage();
  const step = (title, fn) => h.step(page, title, fn);

  await step('log in as the demo client', async () => {
    await page.goto('/login');
    await h.checkPage(page);
    await page.getByLabel('E-mail', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await button(page, 'Log in').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await navLink(page, 'Consents').waitFor();
    await h.checkPage(page);
  });

  await step('the consents list', async () => {
    await navLink(page, 'Consents').click();
    await page.waitForURL(atPath('/consents'));
    for (const [title, label] of [['Informed consent for online therapy'], ['Privacy notice'],
      ['Messaging policy', 'Messaging policy (optional)']]) {
      const row = rowOf(page, title);
      assert.equal(await row.count(), 1, `one row for "${title}"`);
      assert.match(await row.innerText(), new RegExp(`${(label ?? title).replace(/[()]/g, '\\$&')}[\\s\\S]*Not signed yet`));
    }
    await h.checkPage(page);
  });

  await step('informed consent: signing with an empty name is refused', async () => {
    await openConsent(page, 'Informed consent for online therapy', 'informed-consent');
    assert.ok((await page.locator('.document').innerText()).length > 200, 'the consent text is shown');
    assert.equal(await sign(page, ''), 422, 'empty name → 422');
    await page.locator('#f-typed_name-error').getByText('Type your full name (2 to 100 characters) to sign.', { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Type your full name to sign', { exact: true }).getAttribute('aria-invalid'), 'true');
    await h.checkPage(page);
  });

  await step('informed consent: sign, then download what was signed', async () => {
    assert.ok([200, 303].includes(await sign(page, NAME)), 'signing succeeds (redirect)');
    await page.getByText('Thank you. Your signature is recorded.', { exact: true }).waitFor();
    const sig = page.getByRole('region', { name: 'Your signature' });
    await sig.getByText(`signed by ${NAME} (version 1)`).waitFor();
    await h.checkPage(page);
    const file = await download(page, 'Download what you signed');
    assert.ok(file.startsWith('Informed consent for online therapy'), `file starts with the title: ${JSON.stringify(file.slice(0, 80))}`);
    assert.ok(file.includes(`Signed by: ${NAME}`), 'file names the signer');
    const hash = file.match(/SHA-256 of the text above: ([0-9a-f]{64})\n/)?.[1];
    assert.ok(hash, `file carries a 64-hex SHA-256: ${JSON.stringify(file.slice(-400))}`);
    const text = file.slice(0, file.indexOf('\n\n----\n'));
    assert.equal(createHash('sha256').update(`${text}\n`).digest('hex'), hash, 'hash is the SHA-256 of the signed text');
  });

  await step('messaging policy: sign, then withdraw', async () => {
    await openConsent(page, 'Messaging policy', 'messaging-policy');
    assert.ok([200, 303].includes(await sign(page, NAME)), 'signing succeeds');
    await page.getByText('Thank you. Your signature is recorded.', { exact: true }).waitFor();
    await h.checkPage(page);
    await button(page, 'Withdraw this consent').click();
    await page.getByText('You have withdrawn this consent.', { exact: true }).waitFor();
    await h.checkPage(page);
    await navLink(page, 'Consents').click();
    await page.waitForURL(atPath('/consents'));
    assert.match(await rowOf(page, 'Messaging policy').innerText(), /Withdrawn \S/);
    assert.match(await rowOf(page, 'Informed consent for online therapy').innerText(), /Signed \S/);
    await h.checkPage(page);
  });

  await step('the privacy centre and its FHIR AuditEvent download', async () => {
    await navLink(page, 'Privacy').click();
    await page.waitForURL(atPath('/privacy'));
    await page.getByRole('heading', { level: 1, name: 'Your privacy', exact: true }).waitFor();
    await page.getByText('No one other than you has opened your records.', { exact: true }).waitFor();
    await h.checkPage(page);
    const bundle = JSON.parse(await download(page, 'Download this record (HL7 FHIR AuditEvent, JSON)'));
    assert.equal(bundle.resourceType, 'Bundle');
  });
  h.assertNoProblems();
});
