// The lab_ui scenario's browser half (tests/lab/lab_ui_test.cpp starts it inside the arbiter's
// namespaces, so the browser is a machine on the management network): Debian's chromium, headless,
// driven by playwright-core, against the web UI of one node.
//
// It waits for the test at two steps, by files in HEARTH_UI_MARKERS: it writes STEP.ready, the
// test does the step (cut r510's power; revive it) and writes STEP.done holding the wall time of
// the cut in ms. Every wait has a generous deadline (a hang), none is a timing: the times are
// printed ("UI_MEASURE name=value") for bench/ui to collect.
//
// Environment: HEARTH_UI_URL (http://10.1.2.26:7070), HEARTH_UI_TOKEN_FILE (the node's api-token:
// never on a command line), HEARTH_UI_MARKERS, HEARTH_UI_SCREENSHOTS.
import { chromium } from 'playwright-core';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const url = process.env.HEARTH_UI_URL;
const token = readFileSync(process.env.HEARTH_UI_TOKEN_FILE, 'utf8').trim();
const markers = process.env.HEARTH_UI_MARKERS;
const shots = process.env.HEARTH_UI_SCREENSHOTS;
mkdirSync(shots, { recursive: true });
const HANG = 120_000;  // ms: a wait longer than this is a hang

function say(text) { console.log(`[ui] ${new Date().toISOString()} ${text}`); }

async function step(name) {
  writeFileSync(join(markers, name + '.ready'), String(Date.now()));
  const done = join(markers, name + '.done');
  const deadline = Date.now() + 10 * 60_000;
  while (!existsSync(done)) {
    if (Date.now() > deadline) throw new Error(`the test never did step ${name}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Number(readFileSync(done, 'utf8'));
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
  say(`screenshot ${name}.png`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(HANG);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));

  // A wrong token is refused, with the reason on the page and no session.
  await page.goto(url + '/ui/');
  await page.waitForURL('**/ui/login');
  await page.fill('#token', 'f'.repeat(64));
  const refused = page.waitForResponse((r) => r.url().endsWith('/ui/login') && r.request().method() === 'POST');
  await page.press('#token', 'Enter');
  const refusal = await refused;
  if (refusal.status() !== 401) throw new Error(`a wrong token got ${refusal.status()}, not 401`);
  await page.waitForSelector('#error:has-text("wrong token")');
  if ((await context.cookies()).some((c) => c.name === 'hearth_session')) throw new Error('a wrong token got a session');
  await shot(page, 'login-refused');
  say('a wrong token is refused (401)');

  // The right token: the cluster page, three nodes, every service running.
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
  await page.waitForURL('**/ui/');
  const cookie = (await context.cookies()).find((c) => c.name === 'hearth_session');
  if (!cookie || !cookie.httpOnly || cookie.sameSite !== 'Strict') {
    throw new Error('the session cookie is not HttpOnly + SameSite=Strict: ' + JSON.stringify(cookie));
  }
  await page.waitForSelector('#live:has-text("live")');
  for (const node of ['r510', 'r530', 'elitedesk']) {
    await page.waitForSelector(`#nodes tr[data-node="${node}"][data-state="alive"]`);
  }
  const services = await page.$$eval('#services-table tbody tr', (rows) => rows.map((r) => r.dataset.service));
  say('services listed: ' + services.join(', '));
  await page.waitForFunction((n) =>
    document.querySelectorAll('#services-table tbody tr[data-state="running"]').length === n,
    services.length, { timeout: HANG });
  const onR510 = await page.$$eval('#services-table tbody tr[data-node="r510"]', (rows) => rows.map((r) => r.dataset.service));
  say('every service runs; on r510: ' + onR510.join(', '));
  if (onR510.length === 0) throw new Error('no service runs on r510: nothing to fail over');
  await shot(page, 'cluster');
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(url + '/ui/');
  await phone.waitForSelector('#nodes tr[data-node="r510"][data-state="alive"]');
  await shot(phone, 'cluster-phone');
  await phone.close();

  // Power cut: the page, never reloaded, shows r510 dead and its services running on r530.
  const loads = [];
  page.on('load', () => loads.push(Date.now()));
  const cutAt = await step('kill');
  await page.waitForSelector('#nodes tr[data-node="r510"][data-state="dead"]');
  const deadShown = Date.now();
  say(`UI_MEASURE power_cut_to_page_shows_dead_ms=${deadShown - cutAt}`);
  // The death as the cluster recorded it (the leader, within 500 ms of the lease's expiry): what
  // the page adds on top of what the status knows.
  const deadSince = Number(await page.getAttribute('#nodes tr[data-node="r510"]', 'data-since'));
  say(`UI_MEASURE recorded_dead_to_page_shows_dead_ms=${deadShown - deadSince}`);
  for (const service of onR510) {
    await page.waitForSelector(`#services-table tr[data-service="${service}"][data-node="r530"][data-state="running"]`);
  }
  say(`UI_MEASURE power_cut_to_page_shows_services_on_r530_ms=${Date.now() - cutAt}`);
  if (loads.length) throw new Error('the page was reloaded');
  await page.waitForSelector('#events li:has-text("r510 is dead")');
  await shot(page, 'failover');

  // Back, then drained from the page, by keyboard: the preflight first, then the drain.
  await step('revive');
  await page.waitForSelector('#nodes tr[data-node="r510"][data-state="alive"]');
  // homepage prefers r510: it goes back once r510 has been up 10 s; then the drain moves it.
  await page.waitForSelector('#services-table tr[data-service="homepage"][data-node="r510"][data-state="running"]');
  say('homepage is back on r510');
  await page.focus('button[aria-label="Drain r510"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#drain-dialog[open] #drain-checks li[data-check="quorum"]');
  const checks = await page.$$eval('#drain-checks li', (items) => items.map((li) => `${li.dataset.check}=${li.dataset.ok}`));
  say('preflight: ' + checks.join(' '));
  for (const check of ['quorum', 'volumes', 'room']) {
    if (!checks.some((c) => c.startsWith(check + '='))) throw new Error('the preflight lacks ' + check);
  }
  await page.waitForSelector('#drain-services tr[data-service="homepage"]:has-text("r530")');
  await shot(page, 'drain-preflight');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'drain-confirm');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#drain-result:has-text("drained")');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#nodes tr[data-node="r510"][data-drained="yes"]');
  await page.waitForFunction(() =>
    document.querySelectorAll('#services-table tbody tr[data-node="r510"]').length === 0, null, { timeout: HANG });
  await page.waitForSelector('#events li:has-text("r510 drained")');
  await page.waitForSelector('#services-table tr[data-service="homepage"][data-node="r530"][data-state="running"]');
  say('drained from the page: no service on r510');
  await shot(page, 'drained');
  await page.click('button[aria-label="Undrain r510"]');
  await page.waitForSelector('#nodes tr[data-node="r510"][data-drained="no"]');

  // Everything came from the node itself.
  const foreign = requests.filter((r) => !r.startsWith(url + '/'));
  if (foreign.length) throw new Error('requests elsewhere: ' + foreign.join(', '));

  // Logout ends the session.
  await page.click('#logout');
  await page.waitForURL('**/ui/login');
  await page.goto(url + '/ui/');
  await page.waitForURL('**/ui/login');
  say('logged out');
  say('UI_SCENARIO_PASSED');
} catch (error) {
  console.error('[ui] FAILED: ' + (error && error.stack ? error.stack : error));
  if (page) {
    try { await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }); } catch (e) { /* ignore */ }
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
