/**
 * `npm run screenshots`: the hub with the Mango Office emulator, a working day of calls, and PNGs of
 * the main screens in docs/screenshots/ (shown in the README). Needs the built UI and Debian's Chromium.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { MangoScenarioName } from '../src/emulators/mango-office/mango-office-scenarios.js';
import { createContact } from '../src/runtime/contacts.js';
import { findUserByEmail } from '../src/runtime/users.js';
import {
  ADMIN,
  STAFF,
  browserMissing,
  connectMango,
  launchChromium,
  postMango,
  scriptedCall,
  signInPage,
  startUiStage,
  type UiStage,
} from '../src/testing/browser.js';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };

const CONTACTS = [
  {
    name: 'Elena Sokolova',
    company: 'Technosphere JSC',
    email: 'e.sokolova@technosphere.example',
    phones: ['+7 495 765-43-21', '+7 903 111-22-33'],
  },
  { name: 'Dmitry Kuznetsov', company: 'Northwind LLC', phones: ['+7 916 234-56-78'] },
  { name: 'Igor Popov', company: 'Popov & Sons', phones: ['+7 812 555-01-02'] },
  { name: 'Maria Vasilyeva', company: 'Daisy Ltd', phones: ['+7 926 987-65-43'] },
  { name: 'Sergey Novikov', company: null, phones: ['+7 985 321-00-77'] },
];
const CALLERS = [
  '74957654321',
  '79162345678',
  '78125550102',
  '79269876543',
  '79853210077',
  '79031234500',
  '79167770011',
];
/** Earlier today: what the dashboard's chart and the history show. */
const DAY: Array<[hoursAgo: number, MangoScenarioName, clientIndex: number, extensions: string[]]> = [
  [9, 'incoming-answered', 0, ['101']],
  [8, 'outgoing', 1, ['102']],
  [8, 'incoming-answered', 2, ['103']],
  [7, 'incoming-missed', 5, ['101']],
  [7, 'group-ringing', 3, ['101', '102']],
  [6, 'incoming-answered', 4, ['102']],
  [5, 'blind-transfer', 0, ['101', '103']],
  [5, 'incoming-answered', 6, ['103']],
  [4, 'outgoing', 2, ['101']],
  [4, 'incoming-missed', 1, ['102']],
  [3, 'consultative-transfer', 3, ['102', '101']],
  [3, 'incoming-answered', 5, ['101']],
  [2, 'outgoing', 4, ['103']],
  [2, 'incoming-answered', 0, ['102']],
  [1, 'incoming-missed', 6, ['101']],
  [1, 'incoming-answered', 1, ['103']],
];

async function main(): Promise<void> {
  const missing = browserMissing();
  if (missing) throw new Error(`Cannot take screenshots: ${missing}`);
  mkdirSync(OUT, { recursive: true });
  const stage = await startUiStage({ agentCount: 3 });
  const browser = await launchChromium({ lang: 'en-GB' });
  const russian = await launchChromium({ lang: 'ru' });
  try {
    const hook = await seed(stage);
    await takeAll(browser, russian, stage, hook);
  } finally {
    await browser.close();
    await russian.close();
    await stage.close();
  }
}

/** Contacts, the connection with its bindings, and a day of calls; returns the webhook URL. */
async function seed(stage: UiStage): Promise<string> {
  const { hub } = stage.hub;
  const admin = await findUserByEmail(hub, ADMIN.email);
  for (const contact of CONTACTS) await createContact(hub, admin, contact);
  const hook = await connectMango(stage, 'Mango Office — main office');

  const now = Math.floor(Date.now() / 1000);
  for (const [i, [hoursAgo, name, client, extensions]] of DAY.entries()) {
    const script = scriptedCall(name, CALLERS[client]!, extensions, now - hoursAgo * 3600 - (i % 4) * 700);
    await postMango(hook, script.notifications);
  }
  // The last minutes through the emulator itself: these have recordings it can play.
  await stage.emulator.playScenario({ name: 'recorded', client: CALLERS[3], extensions: ['101'] });
  await stage.emulator.playScenario({ name: 'incoming-missed', client: CALLERS[6], extensions: ['101'] });
  await stage.emulator.playScenario({ name: 'recorded', client: CALLERS[0], extensions: ['102'] });
  return hook;
}

/** A call that rings until the returned function answers and ends it. */
async function ringing(hook: string, client: string, extension: string): Promise<() => Promise<void>> {
  const [appeared, ...rest] = scriptedCall('incoming-answered', client, [extension]).notifications;
  await postMango(hook, [appeared!]);
  return () => postMango(hook, rest);
}

async function shot(page: Page, name: string): Promise<void> {
  // Let transitions and the live clock settle.
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${OUT}${name}.png` });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
}

async function takeAll(browser: Browser, russian: Browser, stage: UiStage, hook: string): Promise<void> {
  const base = stage.hub.url;
  const [anna] = STAFF;

  // Agent: a known client ringing, over today's calls.
  const agent = await signInPage(browser, base, anna, 'en', VIEWPORT);
  const page = agent.page;
  await page.getByTestId('nav-calls').click();
  await page.getByTestId('call-row').first().waitFor();
  const answer = await ringing(hook, CALLERS[1]!, '101');
  await page.locator('[data-testid="call-popup"][data-phase="ringing"]').waitFor();
  await shot(page, 'agent-popup');
  await page.getByTestId('popup-dismiss').click();

  await page.getByTestId('calls-tab-missed').click();
  await page.locator('[data-testid="call-row"][data-missed="true"]').first().waitFor();
  await shot(page, 'calls-missed');

  await page.getByTestId('calls-tab-all').click();
  await page.getByTestId('recording-play').first().waitFor();
  await page.getByTestId('recording-play').first().click();
  await page.getByTestId('recording-audio').waitFor();
  await shot(page, 'calls');

  await page.getByTestId('nav-contacts').click();
  await page.getByTestId('contact-row').first().waitFor();
  await shot(page, 'contacts');
  await page.locator('[data-testid="contact-row"]', { hasText: 'Elena Sokolova' }).click();
  await page.getByTestId('contact-phones').waitFor();
  await shot(page, 'contact-card');

  await page.getByTestId('nav-dashboard').click();
  await page.getByTestId('agent-stats-row').first().waitFor();
  await shot(page, 'dashboard');
  await agent.context.close();

  // Admin: the telephony list, the connection with its mapping, the webhook inbox, users.
  const admin = await signInPage(browser, base, ADMIN, 'en', VIEWPORT);
  const a = admin.page;
  await a.getByTestId('nav-telephony').click();
  await a.getByTestId('connection-row').first().waitFor();
  await shot(a, 'telephony');
  await a.getByTestId('connection-row').first().click();
  await a.getByTestId('connection-test').click();
  await a.getByTestId('connection-test-result').waitFor();
  await shot(a, 'connection');
  await a.getByTestId('connection-configure').click();
  await a.getByTestId('mapping-row').first().waitFor();
  await shot(a, 'connection-mapping');
  await a.keyboard.press('Escape');
  await a.getByTestId('mapping-dialog').waitFor({ state: 'detached' });
  await a.getByTestId('connection-tab-webhooks').click();
  await a.getByTestId('webhook-row').first().click();
  await a.getByTestId('webhook-detail').waitFor();
  await shot(a, 'webhook-inbox');
  await a.getByTestId('nav-users').click();
  await a.getByTestId('user-row').first().waitFor();
  await shot(a, 'users');
  await admin.context.close();

  // The same agent screens in Russian: the call still rings, and the new sign-in gets it from the snapshot.
  const ru = await signInPage(russian, base, anna, 'ru', VIEWPORT);
  await ru.page.getByTestId('nav-calls').click();
  await ru.page.locator('[data-testid="call-popup"][data-phase="ringing"]').waitFor();
  await shot(ru.page, 'ru-agent-popup');
  await ru.page.getByTestId('popup-dismiss').click();
  await ru.page.getByTestId('nav-dashboard').click();
  await ru.page.getByTestId('agent-stats-row').first().waitFor();
  await shot(ru.page, 'ru-dashboard');
  await ru.context.close();
  await answer();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
