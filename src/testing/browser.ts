/**
 * Browser tests and screenshots: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), and a hub serving the built web UI with the Mango Office emulator beside it.
 *
 * `describeWithBrowser` skips with the reason when Chromium or `web/dist` is missing, and fails
 * instead when CI=true, the way `describeEachDatabase` treats PostgreSQL.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { signMango } from '../connectors/mango-office/mango-office-webhook.js';
import { startMangoEmulator, type MangoEmulator } from '../emulators/mango-office/mango-office-emulator.js';
import {
  buildScenario,
  type MangoScenarioName,
  type MangoScript,
  type MangoScriptedNotification,
} from '../emulators/mango-office/mango-office-scenarios.js';
import { createConnection, setBindings, webhookUrl } from '../runtime/connections.js';
import { createUser } from '../runtime/users.js';
import type { User } from '../storage/index.js';
import { loadConfig } from '../server/config.js';
import { startHub, WEB_ROOT, type RunningHub } from '../server/main.js';
import { closedPort } from './http-helpers.js';

export const CHROMIUM_PATH = process.env.SWITCHBOARD_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The tests play recordings after a click, but a popup tab in the background must not be throttled.
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

/** Why browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH}: apt-get install chromium`;
  if (!existsSync(join(WEB_ROOT, 'index.html'))) return 'the web UI is not built: npm run build:web';
  return null;
}

/** Defines `title` when a browser can run; otherwise a skipped suite saying why (a failure when CI=true). */
export function describeWithBrowser(title: string, body: () => void): void {
  const missing = browserMissing();
  if (missing === null) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs a browser', () => {
        throw new Error(`Browser tests are required in CI, but ${missing}`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${missing})`, body);
  }
}

/** `lang` sets the browser's own language, which date inputs follow (a page's locale does not). */
export function launchChromium(options: { lang?: string } = {}): Promise<Browser> {
  const args = options.lang ? [...CHROMIUM_ARGS, `--lang=${options.lang}`] : CHROMIUM_ARGS;
  // On Linux, Chromium takes its language from LANGUAGE rather than from --lang.
  const env = options.lang ? { ...process.env, LANGUAGE: options.lang.replace('-', '_') } : undefined;
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args, env });
}

export const STAFF = [
  { extension: '101', name: 'Anna Smirnova', email: 'anna@example.com', password: 'anna-password' },
  { extension: '102', name: 'Boris Ivanov', email: 'boris@example.com', password: 'boris-password' },
  { extension: '103', name: 'Olga Petrova', email: 'olga@example.com', password: 'olga-password' },
] as const;
export const ADMIN = { email: 'admin@example.com', password: 'admin-password' } as const;
export const MANGO_KEY = 'ui-vpbx-key';
export const MANGO_SALT = 'ui-vpbx-salt';

export interface UiStage {
  hub: RunningHub;
  emulator: MangoEmulator;
  /** The agents created (the first `agentCount` of STAFF), by extension. */
  agents: Record<string, User>;
  close(): Promise<void>;
}

/**
 * The hub on a fresh SQLite file with an admin and agents, and a Mango emulator whose staff are
 * STAFF (names as the users', so the mapping dialog suggests them). No connection yet: the admin
 * makes it in the browser.
 */
export async function startUiStage(
  options: { agentCount?: number; staff?: { extension: string; name: string }[] } = {},
): Promise<UiStage> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-ui-'));
  const port = await closedPort();
  const config = loadConfig(
    { port, host: '127.0.0.1', db: join(dir, 'switchboard.sqlite') },
    {
      SWITCHBOARD_SECRET: 'browser test key',
      SWITCHBOARD_ADMIN_EMAIL: ADMIN.email,
      SWITCHBOARD_ADMIN_PASSWORD: ADMIN.password,
      SWITCHBOARD_LOG_LEVEL: 'error',
    },
  );
  const hub = await startHub(config, pino({ level: 'error' }));
  const emulator = await startMangoEmulator({
    apiKey: MANGO_KEY,
    apiSalt: MANGO_SALT,
    staff: options.staff ?? STAFF.map(({ extension, name }) => ({ extension, name, department: 'Sales' })),
    // Without a pause the whole callback can reach the browser in one render and never show a popup.
    callbackDelayMs: 500,
  });
  const agents: Record<string, User> = {};
  for (const person of STAFF.slice(0, options.agentCount ?? 2)) {
    const { user } = await createUser(hub.hub, { ...person, role: 'agent' });
    agents[person.extension] = user;
  }
  return {
    hub,
    emulator,
    agents,
    async close() {
      await emulator.close();
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Mango connection to the emulator with the agents bound (what the admin does in the browser); returns its webhook URL. */
export async function connectMango(stage: UiStage, name = 'Mango Office'): Promise<string> {
  const { hub } = stage.hub;
  const { connection } = await createConnection(hub, {
    connectorId: 'mango-office',
    name,
    settings: { apiKey: MANGO_KEY, apiSalt: MANGO_SALT, apiUrl: stage.emulator.apiUrl },
  });
  await setBindings(
    hub,
    connection.id,
    Object.entries(stage.agents).map(([extension, user]) => ({ extension, userId: user.id })),
  );
  const hook = webhookUrl(hub, connection);
  stage.emulator.configure({ hubUrl: hook });
  return hook;
}

/** A browser context of its own (cookies, storage) signed in through the login page in `locale`. */
export async function signInPage(
  browser: Browser,
  base: string,
  who: { email: string; password: string },
  locale: 'en' | 'ru',
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: base,
    viewport,
    locale: locale === 'ru' ? 'ru-RU' : 'en-GB',
    timezoneId: 'Europe/Moscow',
  });
  // Fail on the step that hangs, well inside a test's time.
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByTestId('language-switch').selectOption(locale);
  await page.getByTestId('login-email').fill(who.email);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.locator('[data-testid="live-status"][data-status="live"]').waitFor();
  return { context, page };
}

let scriptedIds = 0;

/** A scripted Mango call starting at `startAt` (Unix seconds), for calls the emulator cannot date (hours ago). */
export function scriptedCall(
  name: MangoScenarioName,
  client: string,
  extensions: string[],
  startAt = Math.floor(Date.now() / 1000),
): MangoScript {
  return buildScenario({
    name,
    client,
    extensions,
    line: '74951234567',
    startAt,
    deviceOf: (extension) => `sip:user${extension}@vpbx.mangosip.ru`,
    isExtension: (number) => STAFF.some((s) => s.extension === number),
    newId: () => `scripted-${process.pid}-${++scriptedIds}`,
  });
}

/** Posts notifications to a connection's webhook URL, signed with MANGO_KEY and MANGO_SALT as Mango signs them. */
export async function postMango(hook: string, notifications: readonly MangoScriptedNotification[]): Promise<void> {
  for (const { path, payload } of notifications) {
    const json = JSON.stringify(payload);
    const body = new URLSearchParams({ vpbx_api_key: MANGO_KEY, sign: signMango(MANGO_KEY, json, MANGO_SALT), json });
    const response = await fetch(hook + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    if (!response.ok) throw new Error(`The hub answered ${response.status} to ${path}: ${await response.text()}`);
  }
}

/**
 * Records, from now on, every text an element with `testId` shows: a state that lasts less than a
 * poll (the click-to-call note, when the emulator calls back at once) is still seen.
 */
export async function watchTexts(page: Page, testId: string): Promise<() => Promise<string[]>> {
  await page.evaluate((id) => {
    const seen: string[] = [];
    (window as unknown as Record<string, string[]>)[`seen:${id}`] = seen;
    const look = () => {
      for (const element of Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`))) {
        const text = element.innerText.trim();
        if (!seen.includes(text)) seen.push(text);
      }
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, characterData: true });
    look();
  }, testId);
  return () => page.evaluate((id) => (window as unknown as Record<string, string[]>)[`seen:${id}`] ?? [], testId);
}

/** Call cards on the page, of one phase or any. */
export function popups(page: Page, phase?: 'ringing' | 'talking') {
  return page.locator(phase ? `[data-testid="call-popup"][data-phase="${phase}"]` : '[data-testid="call-popup"]');
}
