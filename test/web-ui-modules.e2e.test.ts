/**
 * Script modules in Chromium: an admin uploads an ELMA365 script and defines its settings fields, as on
 * ELMA365's module Settings tab; the module becomes a connector type, a connection made with it passes Test
 * connection against the Mango emulator; a broken upload is refused with the reason; removal.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ADMIN,
  MANGO_KEY,
  MANGO_SALT,
  describeWithBrowser,
  launchChromium,
  signInPage,
  startUiStage,
  type UiStage,
} from '../src/testing/browser.js';

const SCRIPT = fileURLToPath(new URL('../examples/elma365/mango-office.ts', import.meta.url));

describeWithBrowser('Script modules in Chromium', () => {
  let browser: Browser;
  let stage: UiStage;
  let context: BrowserContext;
  let admin: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    stage = await startUiStage();
    ({ context, page: admin } = await signInPage(browser, stage.hub.url, ADMIN, 'en'));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stage?.close();
  });

  async function field(row: number, key: string, options: { type?: string; secret?: boolean } = {}) {
    const rows = admin.getByTestId('module-fields').locator('tbody tr');
    while ((await rows.count()) <= row) await admin.getByTestId('module-add-field').click();
    const cells = rows.nth(row);
    await cells.getByLabel('Code').fill(key);
    await cells.getByLabel('Label').fill(key);
    if (options.type) await cells.getByLabel('Type').selectOption(options.type);
    if (options.secret) await cells.getByLabel('Secret').check();
  }

  it('installs an uploaded ELMA365 script with its settings fields and uses it for a connection', async () => {
    await admin.goto('/#/telephony/modules');
    await admin.getByTestId('module-name').fill('Mango script');
    await admin.getByTestId('module-file').setInputFiles(SCRIPT);
    await field(0, 'apiKey');
    await field(1, 'apiSalt', { secret: true });
    await field(2, 'apiUrl', { type: 'url' });
    await admin.getByTestId('module-install').click();

    const row = admin.getByTestId('module-row').filter({ hasText: 'Mango script' });
    await row.waitFor();
    const moduleId = await row.getAttribute('data-module-id');
    expect(moduleId).toMatch(/^ext-/);

    await admin.goto('/#/telephony/new');
    await admin.getByTestId(`connector-option-${moduleId}`).click();
    await admin.getByTestId('connection-name').fill('Mango through the script');
    await admin.getByTestId('setting-apiKey').fill(MANGO_KEY);
    await admin.getByTestId('setting-apiSalt').fill(MANGO_SALT);
    expect(await admin.getByTestId('setting-apiSalt').getAttribute('type')).toBe('password');
    await admin.getByTestId('setting-apiUrl').fill(stage.emulator.apiUrl);
    await admin.getByTestId('connection-create').click();

    await admin.getByTestId('connection-test').click();
    const result = admin.getByTestId('connection-test-result');
    await result.waitFor();
    expect(await result.getAttribute('data-success')).toBe('true');
    expect(stage.emulator.commands.some((command) => command.path.endsWith('/account/balance'))).toBe(true);
  });

  it('refuses a script without the contract’s functions, saying which are missing, and installs nothing', async () => {
    await admin.goto('/#/telephony/modules');
    await admin.getByTestId('module-row').first().waitFor();
    const before = await admin.getByTestId('module-row').count();
    expect(before).toBe(1);
    await admin.getByTestId('module-name').fill('Broken');
    await admin.getByTestId('module-file').setInputFiles({
      name: 'broken.ts',
      mimeType: 'text/plain',
      buffer: Buffer.from('async function VoipTestConnection() { return { success: true }; }\n'),
    });
    await admin.getByTestId('module-install').click();
    const error = admin.getByTestId('module-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/VoipParseWebhookRequest/);
    expect(await admin.getByTestId('module-row').count()).toBe(before);
  });
});
