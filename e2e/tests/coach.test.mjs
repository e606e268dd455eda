// Reply coach, as the demo therapist: enrol in two-step verification (therapists must before
// anything else), turn the coach on, check a reply drafted against the first example (risk and
// good highlights, the findings list, the example text filled in, no empathy model in the
// suite), then turn the coach off again. /coach is checked with axe in every state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../lib/harness.mjs';
import { freshTotp } from '../lib/totp.mjs';

let h;
before(async () => { h = await startHarness({ name: 'coach' }); });
after(async () => { await h?.stop(); });

const EMAIL = 'dr.lee@demo.rapport.localhost';
const PASSWORD = 'rapport-demo-passphrase';
const DRAFT = "You should just get more sleep. At least it's not as bad as last year. What has been keeping you awake?";
const atPath = (path) => (url) => url.pathname === path;
const navLink = (page, name) => page.locator('nav').getByRole('link', { name, exact: true }).first();
const button = (page, name) => page.getByRole('button', { name, exact: true });

async function expectCoachOff(page) {
  await page.getByRole('heading', { level: 1, name: 'Reply coach', exact: true }).waitFor();
  await button(page, 'Turn on the coach').waitFor();
  assert.equal(await button(page, 'Check my reply').count(), 0, 'no "Check my reply" while the coach is off');
  assert.equal(await button(page, 'Turn off the coach').count(), 0, 'no "Turn off the coach" while the coach is off');
}

async function expectCoachOn(page) {
  await page.getByRole('heading', { level: 1, name: 'Reply coach', exact: true }).waitFor();
  await page.getByLabel('Start from an example (optional)', { exact: true }).waitFor();
  await page.getByRole('textbox', { name: "Client's message", exact: true }).waitFor();
  await page.getByRole('textbox', { name: 'Your reply', exact: true }).waitFor();
  await button(page, 'Check my reply').waitFor();
  await button(page, 'Turn off the coach').waitFor();
  assert.equal(await button(page, 'Turn on the coach').count(), 0, 'no "Turn on the coach" once it is on');
}

test('therapist enrols TOTP, turns the coach on, checks a reply, turns it off', { timeout: 180_000 }, async () => {
  const page = await h.newPage();
  const step = (title, fn) => h.step(page, title, fn);

  await step('log in and enrol in two-step verification', async () => {
    await page.goto('/login');
    await h.checkPage(page);
    await page.getByLabel('E-mail', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await button(page, 'Log in').click();
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
    await h.checkPage(page);
  });

  await step('open the coach (off)', async () => {
    await navLink(page, 'Reply coach').click();
    await page.waitForURL(atPath('/coach'));
    await expectCoachOff(page);
    await h.checkPage(page);
  });

  await step('turn the coach on', async () => {
    await button(page, 'Turn on the coach').click();
    await page.waitForURL(atPath('/coach'));
    await expectCoachOn(page);
    assert.equal(await page.getByRole('heading', { name: 'Feedback', exact: true }).count(), 0, 'no feedback before a check');
    await h.checkPage(page);
  });

  await step('check a reply drafted against the first example', async () => {
    const select = page.getByLabel('Start from an example (optional)', { exact: true });
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    const first = options.find((o) => o.value !== '');
    assert.ok(first, `the select offers at least one example; options: ${JSON.stringify(options)}`);
    await select.selectOption(first.value);
    const client = page.getByRole('textbox', { name: "Client's message", exact: true });
    assert.equal(await client.inputValue(), '', "client's message is left empty");
    await page.getByRole('textbox', { name: 'Your reply', exact: true }).fill(DRAFT);
    await button(page, 'Check my reply').click();
    await page.waitForLoadState('load');

    const feedback = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Feedback', exact: true }) });
    await feedback.waitFor();
    const copy = feedback.locator('p.draft');
    assert.equal((await copy.innerText()).trim(), DRAFT, 'the feedback repeats the reply verbatim');
    const risks = await copy.locator('mark.risk').allInnerTexts();
    const goods = await copy.locator('mark.good').allInnerTexts();
    assert.ok(risks.length >= 1, `at least one <mark class="risk"> in the reply copy; got ${JSON.stringify(risks)}`);
    assert.ok(goods.length >= 1, `a <mark class="good"> in the reply copy; got ${JSON.stringify(goods)}`);

    const noticed = feedback.locator('xpath=.//h3[normalize-space()="What the coach noticed"]/following-sibling::ul[1]');
    await noticed.waitFor();
    const labels = await noticed.locator('li > strong').allInnerTexts();
    for (const want of ['Advice before understanding', 'Minimising', 'Open question']) {
      assert.ok(labels.includes(want), `"What the coach noticed" lists "${want}"; got ${JSON.stringify(labels)}`);
    }

    assert.match(await client.inputValue(), /^I've been so tired lately/, "the example fills in the client's message");
    assert.equal(await page.getByRole('textbox', { name: 'Your reply', exact: true }).inputValue(), DRAFT, 'the reply is kept');
    assert.equal(await select.inputValue(), first.value, 'the chosen example stays selected');
    const empathy = await feedback.innerText();
    assert.match(empathy, /Empathy levels are unavailable/, 'the empathy area says levels are unavailable (no model configured)');
    await h.checkPage(page);
  });

  await step('turn the coach off', async () => {
    await button(page, 'Turn off the coach').click();
    await page.waitForURL(atPath('/coach'));
    await expectCoachOff(page);
    await h.checkPage(page);
  });
  h.assertNoProblems();
});
