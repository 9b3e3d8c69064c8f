/**
 * The rest of the web UI in Chromium against the real hub and the Mango Office emulator: contacts
 * (create, search, click-to-call, CSV import), a recording the PBX no longer has, one event stream
 * for all of a browser's tabs, the connection's webhook URL (copy, rotate), the webhook inbox with a
 * forged request and Replay, and the users page.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ADMIN,
  STAFF,
  connectMango,
  describeWithBrowser,
  launchChromium,
  popups,
  postMango,
  scriptedCall,
  signInPage,
  startUiStage,
  watchTexts,
  type UiStage,
} from '../src/testing/browser.js';

const [ANNA] = STAFF;

describeWithBrowser('Contacts, recordings, tabs, the webhook inbox and users in Chromium', () => {
  let browser: Browser;
  let stage: UiStage;
  let hook: string;
  const contexts: BrowserContext[] = [];
  let anna: Page;
  let admin: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    stage = await startUiStage();
    hook = await connectMango(stage);
    for (const who of [ANNA, ADMIN]) {
      const { context, page } = await signInPage(browser, stage.hub.url, who, 'en');
      contexts.push(context);
      if (who === ANNA) anna = page;
      else admin = page;
    }
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stage?.close();
  });

  it('an agent creates a contact, finds it by another spelling of its number and calls it from the card', async () => {
    await anna.getByTestId('nav-contacts').click();
    await anna.getByTestId('contacts-new').click();
    await anna.getByTestId('contact-name').fill('Elena Sokolova');
    await anna.getByTestId('contact-company').fill('Technosphere JSC');
    await anna.getByTestId('contact-phone').first().fill('+7 (916) 555-12-34');
    await anna.getByTestId('contact-email').fill('elena@technosphere.example');
    await anna.getByTestId('contact-save').click();
    const phones = anna.getByTestId('contact-phones');
    await phones.waitFor();
    expect(await phones.innerText()).toContain('+7 916 555 12 34');

    await anna.getByTestId('nav-contacts').click();
    await anna.getByTestId('contacts-search').fill('89165551234');
    const found = anna.locator('[data-testid="contact-row"]', { hasText: 'Elena Sokolova' });
    await found.waitFor();
    expect(await anna.getByTestId('contact-row').count()).toBe(1);
    await found.getByText('Elena Sokolova').click();

    const sent = stage.emulator.commands.length;
    const notes = await watchTexts(anna, 'dial-status-text');
    await anna.getByTestId('contact-call').first().click();
    // The emulator rings Anna's phone at once, so her outgoing call replaces the note.
    await popups(anna).waitFor();
    expect(await notes()).toContain('Your phone rings first, then the client.');
    const command = stage.emulator.commands.slice(sent).find((c) => c.path === '/commands/callback');
    expect(command?.payload).toMatchObject({ from: { extension: ANNA.extension }, to_number: '79165551234' });
    await stage.emulator.idle();
    await popups(anna).waitFor({ state: 'detached' });
  });

  it('imports contacts from CSV in parts, with progress and the rejected rows', async () => {
    const rows = Array.from(
      { length: 450 },
      (_, i) => `Client ${i},Import Co,+7 495 100-${String(i).padStart(4, '0')}`,
    );
    rows.splice(10, 0, 'Broken row,without a phones column');
    const csv = ['name,company,phones', ...rows].join('\n');

    await anna.getByTestId('nav-contacts').click();
    await anna.getByTestId('contacts-import').click();
    await anna
      .getByTestId('import-file')
      .setInputFiles({ name: 'clients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const bars = await watchTexts(anna, 'import-progress');
    await anna.getByTestId('import-start').click();
    await anna.getByTestId('import-done').waitFor();
    const summary = await anna.getByTestId('import-summary').innerText();
    expect(summary).toMatch(/450\s+created/);
    expect(summary).toMatch(/1\s+rejected/);
    // Line 12 of the file: the header, ten good rows, then the broken one.
    expect(await anna.getByTestId('contact-import').innerText()).toMatch(/12\s+2 fields where the header has 3/);
    // 451 rows go in three requests of 200: the bar showed a part done before the end.
    expect((await bars()).some((text) => /200 of 451/.test(text))).toBe(true);
    await anna.getByTestId('import-done').click();

    await anna.getByTestId('contacts-search').fill('+74951000449');
    await anna.locator('[data-testid="contact-row"]', { hasText: 'Client 449' }).waitFor();
  });

  it('a recording the PBX no longer has says so, with the reason', async () => {
    // Delivered straight to the webhook: the emulator never recorded it, as after the PBX deleted it.
    await postMango(hook, scriptedCall('recorded', '79031112233', [ANNA.extension]).notifications);
    await anna.getByTestId('nav-calls').click();
    const row = anna.locator('[data-testid="call-row"]', { hasText: '+7 903 111 22 33' });
    await row.getByTestId('recording-play').click();
    const unavailable = row.getByTestId('recording-unavailable');
    await unavailable.waitFor();
    expect(await unavailable.innerText()).toMatch(/^Recording unavailable: Mango Office has no such recording/);
    expect(await row.getByTestId('recording-audio').count()).toBe(0);
  });

  it('two tabs of one browser share one event stream: a call pops up in both, and a dismissal closes both', async () => {
    const { context, page: first } = await signInPage(browser, stage.hub.url, ANNA, 'en');
    contexts.push(context);
    const streams: string[] = [];
    context.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/events') streams.push(request.url());
    });
    const second = await context.newPage();
    await second.goto('/');
    await second.locator('[data-testid="live-status"][data-status="live"]').waitFor();

    const played = stage.emulator.playScenario({
      name: 'incoming-answered',
      client: '79037778899',
      extensions: [ANNA.extension],
      options: { delayMs: 1500 },
    });
    await Promise.all([popups(first, 'ringing').waitFor(), popups(second, 'ringing').waitFor()]);
    await second.getByTestId('popup-dismiss').click();
    await popups(first).waitFor({ state: 'detached', timeout: 1000 });
    await played;
    // The first tab's stream was open before we listened; the second tab opened none of its own.
    expect(streams).toEqual([]);
    // When the leading tab closes, the other one takes over and opens the stream (so the count above is real).
    await first.close();
    await expect.poll(() => streams.length, { timeout: 8000 }).toBe(1);
    await second.locator('[data-testid="live-status"][data-status="live"]').waitFor();
  });

  it('the connection page copies the webhook URL and token, and Rotate token gives a new URL', async () => {
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stage.hub.url });
    await admin.getByTestId('nav-telephony').click();
    await admin.getByTestId('connection-row').first().click();
    const url = admin.getByTestId('connection-webhook-url');
    expect(await url.inputValue()).toBe(hook);
    await admin.getByTestId('connection-webhook-url-copy').click();
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(hook);
    await admin.getByTestId('connection-webhook-token-copy').click();
    const token = hook.split('/').pop();
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(token);

    await admin.getByTestId('connection-rotate-token').click();
    await admin.getByTestId('confirm-ok').click();
    await admin.waitForFunction(
      (old) => (document.querySelector('[data-testid="connection-webhook-url"]') as HTMLInputElement).value !== old,
      hook,
    );
    const rotated = await url.inputValue();
    expect(rotated).not.toBe(hook);
    expect(await admin.getByTestId('connection-webhook-token').inputValue()).toBe(rotated.split('/').pop());
    // The old URL is dead; the PBX gets the new one.
    const old = await fetch(`${hook}/events/call`, { method: 'POST', body: 'json={}' });
    expect(old.status).toBe(404);
    hook = rotated;
    stage.emulator.configure({ hubUrl: hook });
  });

  it('the webhook inbox shows a forged request as rejected, the raw request and parse result, and replays', async () => {
    const forged = new URLSearchParams({ vpbx_api_key: 'wrong-key', sign: 'forged', json: '{}' });
    const response = await fetch(`${hook}/events/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: forged.toString(),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);

    await admin.getByTestId('nav-telephony').click();
    await admin.getByTestId('connection-row').first().click();
    await admin.getByTestId('connection-tab-webhooks').click();
    const rejected = admin.locator('[data-testid="webhook-row"][data-status="rejected"]');
    await rejected.first().click();
    const detail = rejected.first().getByTestId('webhook-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('webhook-body').innerText()).toContain('forged');

    await rejected.first().locator('.webhook-summary').click();
    const processed = admin.locator('[data-testid="webhook-row"][data-status="processed"]').first();
    await processed.locator('.webhook-summary').click();
    expect(await processed.getByTestId('webhook-parse-result').innerText()).toContain('"srcPhone"');
    await processed.getByTestId('webhook-replay').click();
    const toast = admin.getByTestId('toast').filter({ hasText: 'Webhook replayed' });
    await toast.waitFor();
  });

  it('the users page lists users with their extensions and adds one', async () => {
    await admin.getByTestId('nav-users').click();
    const annaRow = admin.locator(`[data-testid="user-row"][data-user-id="${stage.agents['101']!.id}"]`);
    await annaRow.waitFor();
    expect(await annaRow.getByTestId('user-extensions').innerText()).toContain('101');

    await admin.getByTestId('user-add').click();
    await admin.getByTestId('user-name').fill('Pavel Orlov');
    await admin.getByTestId('user-email').fill('pavel@example.com');
    await admin.getByTestId('user-password').fill('pavel-password');
    await admin.getByTestId('user-save').click();
    await admin.locator('[data-testid="user-row"]', { hasText: 'pavel@example.com' }).waitFor();
    expect(await admin.getByTestId('user-row').count()).toBe(4);
  });
});
