// Scheduling, end to end, as the demo client Jordan (America/Chicago, in Texas; he first
// signs the two consents booking needs) and the demo therapist Dr. Hannah Lee (America/Chicago, licensed in TX):
//
// 1. Jordan finds Dr. Lee, opens "Book a session" and books the first offered time with the
//    keyboard only (Tab into the radio group, Space, Tab to "Book this time", Enter). The
//    appointment page says "Booked", labels the time in Jordan's zone (CST/CDT), offers
//    "Move to another time" only when the free-cancellation deadline (24 h) is still ahead,
//    and its .ics carries a VTIMEZONE and no names. /sessions lists it under Upcoming.
// 2. Jordan books a second session at least 26 hours ahead (arrow keys within the group),
//    so that it can always be moved whatever the time of day the test runs: the first
//    offered time is only the 24 hours' notice away, right at the free-change deadline.
//    Jordan moves it ("Moved", history "moved it from … to …").
// 3. Dr. Lee (two-step enrolment at first login) sees both sessions, the second at its new
//    time, on her week calendar (reached with "Next week"), plus her availability and
//    reliability pages.
// 4. Jordan cancels the moved session ("Cancelled", "Cancelled by the client", gone from
//    Upcoming, listed under Recent), Dr. Lee's calendar shows it cancelled and she gets the
//    cancellation e-mail.
// Every page visited is checked with axe (no violations of any impact on the scheduling
// pages) and carries the crisis footer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../lib/harness.mjs';
import { freshTotp } from '../lib/totp.mjs';

let h;
before(async () => { h = await startHarness({ name: 'scheduling' }); });
after(async () => { await h?.stop(); });

const PASSWORD = 'rapport-demo-passphrase';
const CLIENT = 'jordan@demo.rapport.localhost';
const CLIENT_NAME = 'Jordan';
const THERAPIST = 'dr.lee@demo.rapport.localhost';
const THERAPIST_NAME = 'Dr. Hannah Lee';
// Wherever a client sees a clinician outside the directory, with the verified credential.
const THERAPIST_LABEL = `${THERAPIST_NAME} (Licensed Psychologist, verified)`;
const ZONE = 'America/Chicago'; // both Jordan's and Dr. Lee's
const HOUR = 3_600_000;
const FREE_CANCEL_HOURS = 24; // the demo therapists' free-cancellation window (the default)

const atPath = (path) => (url) => url.pathname === path;
const navLink = (page, name) => page.locator('nav').getByRole('link', { name, exact: true }).first();
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const notice = (page) => page.locator('main p.notice[role="status"]');
const fact = (page, term) => page.locator(`main dl.facts dt:text-is("${term}") + dd`);
const section = (page, heading) => page.locator('main section').filter({
  has: page.getByRole('heading', { level: 2, name: heading, exact: true }) });

/** Wall-clock parts of an instant in `tz`, read with the platform's time-zone data. */
function parts(iso, tz = ZONE) {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'long', day: 'numeric', month: 'long',
    year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  const p = Object.fromEntries(fmt.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return { ...p, hour: p.hour.padStart(2, '0'), minute: p.minute.padStart(2, '0'), second: p.second.padStart(2, '0') };
}
/** "Fri 27 Nov 2026, 09:00 CST", as the app labels a moment for a person in `tz`. */
function label(iso, tz = ZONE) {
  const p = parts(iso, tz);
  return `${p.weekday.slice(0, 3)} ${p.day} ${p.month.slice(0, 3)} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
}
const clock = (iso) => { const p = parts(iso); return `${p.hour}:${p.minute}`; };
/** "20261127T090000": a local time as iCalendar writes it with a TZID. */
function icsLocal(iso) {
  const p = parts(iso);
  const month = String(new Date(`${p.month} 1, 2000`).getMonth() + 1).padStart(2, '0');
  return `${p.year}${month}${p.day.padStart(2, '0')}T${p.hour}${p.minute}${p.second}`;
}
/** The calendar page's title for the week (Monday first) that holds `iso` in ZONE. */
function weekTitle(iso) {
  const p = parts(iso);
  const local = new Date(`${p.month} ${p.day}, ${p.year} 12:00 UTC`);
  const back = (local.getUTCDay() + 6) % 7; // days since Monday
  const monday = new Date(local.getTime() - back * 24 * HOUR);
  const month = monday.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  return `Week of ${monday.getUTCDate()} ${month} ${monday.getUTCFullYear()}`;
}
/** The calendar's day heading ("Friday 27 November") for `iso` in ZONE. */
const dayHeading = (iso) => { const p = parts(iso); return `${p.weekday} ${p.day} ${p.month}`; };

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
  const secret = (await page.locator('code#totp-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}=*$/, 'secret is base32');
  const { code } = await freshTotp(secret);
  await page.getByLabel('Six-digit code', { exact: true }).fill(code);
  await button(page, 'Turn on two-step verification').click();
  await page.locator('ol#recovery-codes').waitFor();
  await page.getByRole('link', { name: 'Continue', exact: true }).click();
  await page.waitForLoadState('load');
  await navLink(page, 'Account').waitFor();
}

/** h.checkPage (axe, crisis footer), and on the scheduling pages not even a minor or moderate axe violation. */
async function checkStrict(page) {
  const all = await h.axeScan(page); // throws on serious or critical ones
  const footer = await page.locator('footer').last().innerText();
  assert.ok(footer.includes('988'), `the crisis-resources footer (988) is on ${page.url()}`);
  assert.deepEqual(all.map((v) => `[${v.impact}] ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(', ')}`), [],
    `no axe violations of any impact on ${page.url()}`);
}

// ---- Keyboard only ----------------------------------------------------------------

/** What has the keyboard focus, described for assertions and messages. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { tag: 'BODY' };
  const lbl = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
  const style = getComputedStyle(el);
  return {
    tag: el.tagName, type: el.getAttribute('type'), name: el.getAttribute('name'), value: el.value ?? null,
    checked: !!el.checked, text: (el.textContent || '').trim().replace(/\s+/g, ' '), href: el.getAttribute('href'),
    label: lbl ? lbl.textContent.trim() : null, legend: el.closest('fieldset')?.querySelector('legend')?.textContent.trim() ?? null,
    focusVisible: el.matches(':focus-visible'), outline: `${style.outlineStyle} ${style.outlineWidth}`,
  };
});

/** Presses `key` (Tab by default) until `want(focused)` holds; returns that element's description. */
async function pressUntil(page, what, want, { key = 'Tab', max = 80 } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    if (want(f)) return f;
    seen.push(`${f.tag}${f.type ? `[${f.type}]` : ''} ${f.text || f.label || f.value || ''}`.trim());
  }
  throw new Error(`${what}: not reached with ${max} × ${key}; focus went through:\n  ${seen.join('\n  ')}`);
}

const isSlot = (f) => f.tag === 'INPUT' && f.type === 'radio' && f.name === 'start';
const isButton = (name) => (f) => f.tag === 'BUTTON' && f.text === name;

/** The offered times on a booking or moving page, in page order. */
const offeredSlots = (page) => page.locator('main form fieldset.slots input[type="radio"][name="start"]').evaluateAll((rs) =>
  rs.map((r) => ({ id: r.id, value: r.value, label: document.querySelector(`label[for="${r.id}"]`)?.textContent.trim(),
    legend: r.closest('fieldset').querySelector('legend').textContent.trim() })));

/**
 * From the top of a booking or moving page, with the keyboard only: Tab into the group of
 * times (which lands on the first), then either Space on it or ArrowDown until `accept`
 * holds for the checked time; Tab on to `submit` and press Enter. Returns the chosen slot.
 */
async function chooseTimeAndSubmit(page, submit, accept = () => true) {
  const slots = await offeredSlots(page);
  assert.ok(slots.length > 0, 'some times are offered');
  assert.ok(slots.every((s) => /^\d{2}:\d{2} (CST|CDT)$/.test(s.label)),
    `every time is labelled in Jordan's zone (CST/CDT): ${JSON.stringify(slots.slice(0, 5).map((s) => s.label))}`);
  let f = await pressUntil(page, 'the first offered time', isSlot);
  assert.equal(f.value, slots[0].value, 'Tab enters the group of times at the first one offered');
  assert.equal(f.legend, slots[0].legend, 'the radio button is in the fieldset of its day');
  assert.ok(f.focusVisible && !f.outline.startsWith('none'), `the focused time shows a focus indicator (${f.outline})`);
  if (accept(slots[0])) {
    await page.keyboard.press('Space');
  } else {
    f = await pressUntil(page, 'an acceptable time', (x) => isSlot(x) && x.checked && accept(x), { key: 'ArrowDown', max: slots.length });
  }
  f = await focused(page);
  assert.ok(isSlot(f) && f.checked, `the focused time is checked: ${JSON.stringify(f)}`);
  const chosen = slots.find((s) => s.value === f.value);
  assert.equal(await page.locator('main input[name="start"]:checked').count(), 1, 'exactly one time is checked');
  await pressUntil(page, `the "${submit}" button`, isButton(submit));
  const url = page.url();
  await Promise.all([page.waitForURL((u) => u.href !== url && /^\/appointments\/[^/]+$/.test(u.pathname)), page.keyboard.press('Enter')]);
  await page.waitForLoadState('load');
  return chosen;
}

/** History lines on an appointment page. */
const history = (page) => section(page, 'History').locator('ol > li').allInnerTexts();

/** Upcoming and Recent on /sessions, as { id, text } rows. */
async function sessionLists(page) {
  await page.goto('/sessions');
  await page.getByRole('heading', { level: 1, name: 'Your sessions', exact: true }).waitFor();
  const rows = (name) => section(page, name).locator('li').evaluateAll((lis) => lis.map((li) => ({
    id: li.querySelector('a')?.getAttribute('href')?.replace('/appointments/', ''), text: li.textContent.trim().replace(/\s+/g, ' ') })));
  return { upcoming: await rows('Upcoming'), recent: await rows('Recent') };
}

test('book with the keyboard, move, cancel; the therapist\'s calendar; .ics download', { timeout: 120_000 }, async () => {
  const jordan = await h.newPage();
  const step = (title, fn) => h.step(jordan, title, fn);

  await step('client: log in', async () => {
    await logIn(jordan, CLIENT);
    await navLink(jordan, 'Account').waitFor();
  });

  await step('client: sign the consents booking needs', async () => {
    for (const key of ['informed-consent', 'privacy-notice']) {
      await jordan.goto(`/consents/${key}`);
      await jordan.getByLabel('Type your full name to sign', { exact: true }).fill('Jordan Demo');
      await jordan.getByRole('button', { name: 'Sign', exact: true }).click();
      await jordan.getByText('Thank you. Your signature is recorded.', { exact: true }).waitFor();
    }
  });

  let profile;
  await step('client: find Dr. Lee among Texas therapists and open her profile', async () => {
    await jordan.goto('/therapists?country=US&region=TX');
    await jordan.getByRole('heading', { level: 1, name: 'Find a therapist', exact: true }).waitFor();
    const link = jordan.locator('main ul.results').getByRole('link', { name: THERAPIST_NAME, exact: true }).first();
    profile = await link.getAttribute('href');
    assert.match(profile, /^\/therapists\/[^/?#]+$/, 'the result links to /therapists/<id>');
    await link.click();
    await jordan.waitForURL(atPath(profile));
    await jordan.getByRole('heading', { level: 1, name: THERAPIST_NAME }).waitFor();
    assert.match(await notice(jordan).innerText(), /^Licensed where you will be: Texas/, 'the profile says she is licensed in Texas');
    await h.checkPage(jordan);
  });

  let typeText, typeMinutes;
  await step('client: follow "Book a session" with the keyboard', async () => {
    await pressUntil(jordan, 'the "Book a session" link', (f) => f.tag === 'A' && f.text === 'Book a session');
    await Promise.all([jordan.waitForURL(atPath(`${profile}/book`)), jordan.keyboard.press('Enter')]);
    await jordan.getByRole('heading', { level: 1, name: `Book a session with ${THERAPIST_LABEL}`, exact: true }).waitFor();
    assert.match(await jordan.locator('main').innerText(), new RegExp(`Times are shown in your time zone, ${ZONE}\\.`),
      'the page names Jordan\'s zone (the same as the therapist\'s, so no second zone)');
    assert.match(await section(jordan, 'Cancellation policy').innerText(), new RegExp(`until ${FREE_CANCEL_HOURS} hours before it starts`),
      'the cancellation policy is shown before booking');
    assert.equal(await jordan.locator('main p.notice[role="status"]').count(), 0, 'booking is not blocked (licensed, consents signed)');
    const current = jordan.getByRole('navigation', { name: 'Session types' }).locator('a[aria-current="true"]');
    typeText = (await current.innerText()).trim();
    typeMinutes = Number(/\((\d+) minutes\)$/.exec(typeText)?.[1]);
    assert.ok(typeMinutes > 0, `the chosen session type names its length: ${JSON.stringify(typeText)}`);
    const legends = await jordan.locator('main fieldset.slots > legend').allInnerTexts();
    assert.ok(legends.length > 0 && legends.every((l) => /^(Monday|Tuesday|Wednesday|Thursday|Friday) \d{1,2} [A-Z][a-z]+ \d{4}$/.test(l.trim())),
      `times are grouped in fieldsets per weekday: ${JSON.stringify(legends)}`);
    await checkStrict(jordan);
  });

  let first;
  await step('client: choose the first offered time with the keyboard and book it', async () => {
    const before = Date.now();
    first = await chooseTimeAndSubmit(jordan, 'Book this time');
    const start = Date.parse(first.value);
    assert.ok(start >= before + 24 * HOUR - 60_000, `the first time (${first.value}) respects the 24-hour notice`);
    assert.equal(first.label, `${clock(first.value)} ${parts(first.value).timeZoneName}`, 'the slot shows its wall time in Chicago');
    first.id = new URL(jordan.url()).pathname.split('/').pop();
  });

  const firstWhen = label(first.value);
  await step('client: the appointment page says "Booked", in Jordan\'s zone', async () => {
    await jordan.getByRole('heading', { level: 1, name: `Therapy session with ${THERAPIST_LABEL}`, exact: true }).waitFor();
    assert.equal(new URL(jordan.url()).searchParams.get('notice'), 'booked');
    assert.match(await notice(jordan).innerText(), /^Booked\./, 'the "Booked." notice is shown');
    const when = (await fact(jordan, 'When').innerText()).trim();
    assert.equal(when, firstWhen, 'the time is labelled in Jordan\'s zone');
    assert.match(when, /\b(CST|CDT)$/, 'the label carries the Chicago abbreviation');
    assert.equal((await fact(jordan, 'Session').innerText()).trim(), typeText);
    assert.equal((await fact(jordan, 'Status').innerText()).trim(), 'Booked');
    const lines = await history(jordan);
    assert.equal(lines.length, 1, `one history line: ${JSON.stringify(lines)}`);
    assert.match(lines[0], new RegExp(`: You booked it for ${firstWhen.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    // Moving is offered only before the free-cancellation deadline; the first time is
    // at least 24 hours' notice away, so it is usually still movable, but by the time the
    // page loads a time right at the notice may have crossed the deadline.
    const hoursAhead = (Date.parse(first.value) - Date.now()) / HOUR;
    const move = jordan.getByRole('link', { name: 'Move to another time', exact: true });
    const warning = jordan.locator('main p.warning');
    if (hoursAhead > FREE_CANCEL_HOURS + 0.05) {
      assert.equal(await move.count(), 1, `"Move to another time" is offered ${hoursAhead.toFixed(1)} h ahead`);
      assert.equal(await warning.count(), 0, 'no late-cancellation warning before the deadline');
    } else if (hoursAhead < FREE_CANCEL_HOURS - 0.05) {
      assert.equal(await move.count(), 0, `no "Move to another time" ${hoursAhead.toFixed(1)} h ahead (inside ${FREE_CANCEL_HOURS} h)`);
      assert.match(await warning.innerText(), /recorded as a late cancellation/, 'the late-cancellation warning is shown');
    }
    await button(jordan, 'Cancel this session').waitFor();
    await checkStrict(jordan);
  });

  await step('client: download the .ics from the appointment page', async () => {
    const link = jordan.getByRole('link', { name: 'Add to your calendar (.ics)', exact: true });
    const href = await link.getAttribute('href');
    assert.equal(href, `/appointments/${first.id}/calendar.ics`);
    const res = await jordan.request.get(href);
    assert.equal(res.status(), 200, '.ics download succeeds');
    assert.match(res.headers()['content-type'] ?? '', /^text\/calendar/, 'served as text/calendar');
    assert.match(res.headers()['content-disposition'] ?? '', /^attachment;/, 'served as an attachment');
    const raw = await res.text();
    const ics = raw.replace(/\r\n[ \t]/g, ''); // unfold (RFC 5545 §3.1)
    for (const want of ['BEGIN:VCALENDAR', 'SUMMARY:Therapy session', 'BEGIN:VTIMEZONE', `TZID:${ZONE}`,
      `DTSTART;TZID=${ZONE}:${icsLocal(first.value)}`, 'STATUS:CONFIRMED', 'END:VCALENDAR']) {
      assert.ok(ics.includes(want), `the .ics contains ${want}:\n${raw}`);
    }
    assert.ok(ics.includes(`URL:${h.baseURL}/appointments/${first.id}`), 'the event links to the session page');
    for (const name of [THERAPIST_NAME, 'Hannah', 'Dr. Lee', THERAPIST, CLIENT, CLIENT_NAME, 'jordan']) {
      assert.ok(!ics.toLowerCase().includes(name.toLowerCase()), `the .ics does not name ${JSON.stringify(name)}:\n${raw}`);
    }
    assert.ok(!ics.includes(typeText.replace(/ \(.*/, '')), 'nor the session type');
  });

  await step('client: /sessions lists it under Upcoming', async () => {
    const { upcoming } = await sessionLists(jordan);
    const row = upcoming.find((r) => r.id === first.id);
    assert.ok(row, `the session is under Upcoming: ${JSON.stringify(upcoming)}`);
    assert.equal(row.text, `${firstWhen} with ${THERAPIST_LABEL} · ${typeText.replace(/ \(.*/, '')}`);
    await checkStrict(jordan);
  });

  // A second session far enough ahead to be movable at any hour of the day.
  let second;
  await step('client: book a second session at least 26 hours ahead, with the arrow keys', async () => {
    await jordan.goto(`${profile}/book`);
    const minStart = Date.now() + (FREE_CANCEL_HOURS + 2) * HOUR;
    second = await chooseTimeAndSubmit(jordan, 'Book this time', (s) => Date.parse(s.value) >= minStart);
    second.id = new URL(jordan.url()).pathname.split('/').pop();
    assert.notEqual(second.id, first.id);
    assert.match(await notice(jordan).innerText(), /^Booked\./, 'the "Booked." notice is shown');
    assert.equal((await fact(jordan, 'When').innerText()).trim(), label(second.value));
  });

  let moved;
  await step('client: follow "Move to another time" and move it with the keyboard', async () => {
    const move = jordan.getByRole('link', { name: 'Move to another time', exact: true });
    await move.click();
    await jordan.waitForURL(atPath(`/appointments/${second.id}/reschedule`));
    await jordan.getByRole('heading', { level: 1, name: `Move your session with ${THERAPIST_LABEL}`, exact: true }).waitFor();
    await checkStrict(jordan);
    assert.equal(await jordan.locator('main select[name="weeks"]').count(), 0, 'no "How often" when moving');
    const minStart = Date.now() + (FREE_CANCEL_HOURS + 2) * HOUR;
    moved = await chooseTimeAndSubmit(jordan, 'Move to this time',
      (s) => s.value !== second.value && s.value !== first.value && Date.parse(s.value) >= minStart);
    assert.equal(new URL(jordan.url()).pathname, `/appointments/${second.id}`, 'back on the same appointment');
    assert.notEqual(moved.value, second.value);
  });

  const movedWhen = label(moved.value);
  await step('client: the page says "Moved" and the history shows the move', async () => {
    assert.match(await notice(jordan).innerText(), /^Moved\./, 'the "Moved." notice is shown');
    assert.equal((await fact(jordan, 'When').innerText()).trim(), movedWhen, 'the new time, in Jordan\'s zone');
    assert.equal((await fact(jordan, 'Status').innerText()).trim(), 'Booked');
    const lines = await history(jordan);
    const want = `You moved it from ${label(second.value)} to ${movedWhen}`;
    assert.ok(lines.some((l) => l.endsWith(`: ${want}`)), `history has "${want}": ${JSON.stringify(lines)}`);
    await checkStrict(jordan);
  });

  // The therapist's side, before the cancellation.
  const lee = await h.newPage();
  await h.step(lee, 'therapist: log in and enrol in two-step verification', () => logInAndEnrol(lee, THERAPIST));

  /** The calendar entries of the week holding `iso`, reached from this week with "Next week". */
  async function weekEntries(iso) {
    const title = weekTitle(iso);
    await lee.goto('/therapist/calendar');
    await lee.getByRole('heading', { level: 1 }).waitFor();
    for (let i = 0; i < 4 && (await lee.getByRole('heading', { level: 1 }).innerText()).trim() !== title; i++) {
      const url = lee.url();
      await lee.getByRole('navigation', { name: 'Weeks' }).getByRole('link', { name: 'Next week', exact: true }).click();
      await lee.waitForURL((u) => u.href !== url);
    }
    await lee.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    const day = lee.locator('main section.weekday').filter({ has: lee.getByRole('heading', { level: 2, name: dayHeading(iso), exact: true }) });
    return day.locator('ul.entries > li').evaluateAll((lis) => lis.map((li) => ({
      id: li.querySelector('a').getAttribute('href').replace('/appointments/', ''),
      link: li.querySelector('a').textContent.trim(), detail: li.querySelector('.small').textContent.trim() })));
  }
  const entryText = (iso) => `${clock(iso)}–${clock(new Date(Date.parse(iso) + typeMinutes * 60_000).toISOString())} · ${CLIENT_NAME}`;
  const typeName = () => typeText.replace(/ \(.*/, '');

  await h.step(lee, 'therapist: the week calendar lists both sessions (the moved one at its new time)', async () => {
    for (const [what, slot, id] of [['first', first.value, first.id], ['moved', moved.value, second.id]]) {
      const entries = await weekEntries(slot);
      const e = entries.find((x) => x.id === id);
      assert.ok(e, `the ${what} session is on ${dayHeading(slot)} in "${weekTitle(slot)}": ${JSON.stringify(entries)}`);
      assert.equal(e.link, entryText(slot));
      assert.equal(e.detail, `${typeName()} · Booked`);
      assert.match(await lee.locator('main').innerText(), new RegExp(`Times in ${ZONE}\\.`));
      await checkStrict(lee);
    }
    const old = await weekEntries(second.value);
    assert.ok(!old.some((x) => x.id === second.id && x.link === entryText(second.value)), 'nothing left at the old time');
  });

  await h.step(lee, 'therapist: the appointment page shows the client\'s side', async () => {
    await lee.goto(`/appointments/${second.id}`);
    await lee.getByRole('heading', { level: 1, name: `Therapy session with ${CLIENT_NAME}`, exact: true }).waitFor();
    assert.equal((await fact(lee, 'When').innerText()).trim(), movedWhen, 'same zone, so no second time is shown');
    const lines = await history(lee);
    assert.ok(lines.some((l) => l.endsWith(`: The client moved it from ${label(second.value)} to ${movedWhen}`)),
      `the therapist's history names the client as the mover: ${JSON.stringify(lines)}`);
    await checkStrict(lee);
  });

  await h.step(lee, 'therapist: availability settings', async () => {
    await lee.goto('/therapist/schedule');
    await lee.getByRole('heading', { level: 1, name: 'Your availability', exact: true }).waitFor();
    assert.equal(await lee.getByLabel('Minimum notice (hours before a session)', { exact: true }).inputValue(), '24');
    assert.equal(await lee.getByLabel('Free cancellation until (hours before)', { exact: true }).inputValue(), String(FREE_CANCEL_HOURS));
    const monday = lee.locator('fieldset.day').filter({ has: lee.locator('legend', { hasText: /^Monday$/ }) });
    assert.equal(await monday.getByLabel('From', { exact: true }).inputValue(), '09:00');
    assert.equal(await monday.getByLabel('and from', { exact: true }).inputValue(), '13:00');
    await checkStrict(lee);
  });

  await h.step(lee, 'therapist: reliability', async () => {
    await lee.goto('/therapist/reliability');
    await lee.getByRole('heading', { level: 1, name: 'Your reliability', exact: true }).waitFor();
    assert.equal((await fact(lee, 'Your late cancellations').innerText()).trim(), '0');
    await checkStrict(lee);
  });

  // Cancel the moved session.
  await step('client: cancel the moved session', async () => {
    await jordan.goto(`/appointments/${second.id}`);
    await button(jordan, 'Cancel this session').click();
    await jordan.waitForURL((u) => u.pathname === `/appointments/${second.id}` && u.searchParams.has('notice'));
    assert.equal(new URL(jordan.url()).searchParams.get('notice'), 'cancelled', 'more than 24 h ahead: not a late cancellation');
    assert.match(await notice(jordan).innerText(), /^Cancelled\./, 'the "Cancelled." notice is shown');
    assert.equal((await fact(jordan, 'Status').innerText()).trim(), 'Cancelled by the client');
    assert.equal(await button(jordan, 'Cancel this session').count(), 0, 'nothing left to cancel');
    assert.equal(await jordan.getByRole('link', { name: 'Move to another time', exact: true }).count(), 0, 'nothing left to move');
    const lines = await history(jordan);
    assert.ok(lines.at(-1).endsWith(': You cancelled it'), `history ends with the cancellation: ${JSON.stringify(lines)}`);
    await checkStrict(jordan);
  });

  await step('client: /sessions no longer lists it under Upcoming', async () => {
    const { upcoming, recent } = await sessionLists(jordan);
    assert.ok(!upcoming.some((r) => r.id === second.id), `the cancelled session left Upcoming: ${JSON.stringify(upcoming)}`);
    assert.ok(upcoming.some((r) => r.id === first.id), 'the first session is still upcoming');
    const row = recent.find((r) => r.id === second.id);
    assert.ok(row, `the cancelled session is under Recent: ${JSON.stringify(recent)}`);
    assert.equal(row.text, `${movedWhen} with ${THERAPIST_LABEL} · Cancelled by the client`);
    await checkStrict(jordan);
  });

  await h.step(lee, 'therapist: the calendar shows the cancellation, and she was told by e-mail', async () => {
    const entries = await weekEntries(moved.value);
    const e = entries.find((x) => x.id === second.id);
    assert.ok(e, `the cancelled session is still on the calendar: ${JSON.stringify(entries)}`);
    assert.equal(e.detail, `${typeName()} · Cancelled by the client`);
    const mail = await h.waitForMail(THERAPIST, /^Therapy session cancelled$/);
    assert.ok(mail.text.includes(`The therapy session with ${CLIENT_NAME} on ${movedWhen} was cancelled by the client.`),
      `the cancellation e-mail says when and who: ${mail.text}`);
    assert.ok(!/\blate\b/i.test(mail.text), 'and does not call it late');
  });
  h.assertNoProblems();
});
