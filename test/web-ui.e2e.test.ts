/**
 * The web UI in Debian's Chromium against the real hub and the Mango Office emulator, once in English
 * and once in Russian: an admin connects the PBX in the browser, then agents get popups, missed calls,
 * click-to-call and recordings from calls the emulator pushes over real HTTP.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContact } from '../src/runtime/contacts.js';
import { findUserByEmail } from '../src/runtime/users.js';
import {
  ADMIN,
  MANGO_KEY,
  MANGO_SALT,
  STAFF,
  describeWithBrowser,
  launchChromium,
  popups,
  signInPage,
  startUiStage,
  watchTexts,
  type UiStage,
} from '../src/testing/browser.js';

const TEXT = {
  en: {
    unknown: 'Unknown number',
    ringing: 'Ringing…',
    talking: /^Talking · \d+:\d\d$/,
    suggested: 'Suggested: name',
    testOk: 'The connection works.',
    ringsFirst: 'Your phone rings first, then the client.',
    callBack: 'Call back',
  },
  ru: {
    unknown: 'Неизвестный номер',
    ringing: 'Звонит…',
    talking: /^Разговор · \d+:\d\d$/,
    suggested: 'Подсказка: по имени',
    testOk: 'Соединение работает.',
    ringsFirst: 'Сначала зазвонит ваш телефон, затем — клиент.',
    callBack: 'Перезвонить',
  },
} as const;

const STRANGER = '79031234500';
const CLIENT = { name: 'Dmitry Kuznetsov', company: 'Northwind LLC', phone: '+7 916 234-56-78' };
const CLIENT_DIGITS = '79162345678';
const [ANNA, BORIS] = STAFF;

const popup = popups;

describeWithBrowser('The web UI in Chromium with the Mango Office emulator', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.each(['en', 'ru'] as const)('in %s', (locale) => {
    const text = TEXT[locale];
    let stage: UiStage;
    const contexts: BrowserContext[] = [];
    let admin: Page;
    let anna: Page;
    let boris: Page;

    beforeAll(async () => {
      stage = await startUiStage();
      const owner = await findUserByEmail(stage.hub.hub, ADMIN.email);
      await createContact(stage.hub.hub, owner, { name: CLIENT.name, company: CLIENT.company, phones: [CLIENT.phone] });
      for (const who of [ADMIN, ANNA, BORIS]) {
        const { context, page } = await signInPage(browser, stage.hub.url, who, locale);
        contexts.push(context);
        if (who === ADMIN) admin = page;
        else if (who === ANNA) anna = page;
        else boris = page;
      }
    });
    afterAll(async () => {
      for (const context of contexts) await context.close();
      await stage?.close();
    });

    it('an admin adds a Mango connection, tests it, maps the PBX staff to users and saves', async () => {
      await admin.getByTestId('nav-telephony').click();
      await admin.getByTestId('connection-add').click();
      await admin.getByTestId('connector-option-mango-office').click();
      await admin.getByTestId('connection-name').fill('Mango Office');
      await admin.getByTestId('setting-apiKey').fill(MANGO_KEY);
      await admin.getByTestId('setting-apiSalt').fill(MANGO_SALT);
      await admin.getByTestId('setting-apiUrl').fill(stage.emulator.apiUrl);
      // Secrets are typed into masked fields.
      expect(await admin.getByTestId('setting-apiSalt').getAttribute('type')).toBe('password');
      await admin.getByTestId('connection-create').click();

      const webhookUrl = await admin.getByTestId('connection-webhook-url').inputValue();
      expect(webhookUrl).toMatch(new RegExp(`^${stage.hub.url}/hooks/[^/]+/[^/]+$`));

      await admin.getByTestId('connection-test').click();
      const result = admin.getByTestId('connection-test-result');
      await result.waitFor();
      expect(await result.getAttribute('data-success')).toBe('true');
      expect(await result.innerText()).toContain(text.testOk);

      await admin.getByTestId('connection-configure').click();
      const dialog = admin.getByTestId('mapping-dialog');
      await dialog.getByTestId('mapping-row').first().waitFor();
      expect(await dialog.getByTestId('mapping-row').count()).toBe(3);
      for (const person of [ANNA, BORIS]) {
        const row = dialog.locator(`[data-testid="mapping-row"][data-extension="${person.extension}"]`);
        expect(await row.getByTestId('mapping-suggestion').innerText()).toBe(text.suggested);
        expect(await row.getByTestId('mapping-user').inputValue()).toBe(stage.agents[person.extension]!.id);
      }
      // Olga has no account: nobody is suggested, and the admin leaves her unbound.
      const olga = dialog.locator('[data-testid="mapping-row"][data-extension="103"]');
      expect(await olga.getByTestId('mapping-user').inputValue()).toBe('');
      expect(await olga.getByTestId('mapping-suggestion').count()).toBe(0);
      await dialog.getByTestId('mapping-save').click();
      await dialog.waitFor({ state: 'detached' });

      const bound = admin.getByTestId('binding-row');
      await bound.first().waitFor();
      expect(await bound.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-extension')))).toEqual([
        '101',
        '102',
      ]);
      await admin.getByTestId('connection-save').click();
      await admin.getByTestId('toast').first().waitFor();

      stage.emulator.configure({ hubUrl: webhookUrl });
    });

    it('an incoming call pops up on the bound agent, not on another, and turns into Talking on answer', async () => {
      const borisPopups = await watchTexts(boris, 'call-popup');
      const played = stage.emulator.playScenario({
        name: 'incoming-answered',
        client: STRANGER,
        extensions: [ANNA.extension],
        options: { delayMs: 1200 },
      });
      await popup(anna, 'ringing').waitFor();
      expect(await anna.getByTestId('call-popup-name').innerText()).toBe(text.unknown);
      expect(await anna.getByTestId('call-popup-status').innerText()).toBe(text.ringing);
      expect(await anna.getByTestId('popup-create-contact').isVisible()).toBe(true);

      await popup(anna, 'talking').waitFor();
      expect(await anna.getByTestId('call-popup-status').innerText()).toMatch(text.talking);
      await popup(anna).waitFor({ state: 'detached', timeout: 10_000 });
      await played;
      expect(await borisPopups()).toEqual([]);
    });

    it('in a group call the answer closes the popup of the agent who did not pick up', async () => {
      const played = stage.emulator.playScenario({
        name: 'group-ringing',
        client: CLIENT_DIGITS,
        extensions: [ANNA.extension, BORIS.extension],
        options: { delayMs: 1000 },
      });
      await Promise.all([popup(anna, 'ringing').waitFor(), popup(boris, 'ringing').waitFor()]);
      for (const page of [anna, boris]) {
        expect(await page.getByTestId('call-popup-name').innerText()).toBe(CLIENT.name);
        expect(await page.getByTestId('call-popup').innerText()).toContain(CLIENT.company);
      }
      // Boris answers: Anna's card closes while his turns into a conversation.
      await popup(boris, 'talking').waitFor();
      await popup(anna).waitFor({ state: 'detached', timeout: 3000 });
      expect(await popup(boris, 'talking').count()).toBe(1);
      await played;
      await popup(boris).waitFor({ state: 'detached' });
    });

    it('a missed call raises the counter, and Call back makes the PBX receive /commands/callback', async () => {
      const counter = anna.getByTestId('missed-counter');
      const before = Number(await counter.getAttribute('data-count'));
      await stage.emulator.playScenario({ name: 'incoming-missed', client: STRANGER, extensions: [ANNA.extension] });
      await anna.locator(`[data-testid="missed-counter"][data-count="${before + 1}"]`).waitFor();
      expect(await anna.getByTestId('missed-counter-value').innerText()).toBe(String(before + 1));

      await counter.click();
      const missed = anna.locator('[data-testid="call-row"][data-missed="true"]');
      await missed.first().waitFor();
      // Opening the list marks the missed calls seen.
      await anna.locator('[data-testid="missed-counter"][data-count="0"]').waitFor();
      const callBack = missed.first().getByTestId('call-back');
      expect(await callBack.getAttribute('data-number')).toBe(`+${STRANGER}`);
      expect(await callBack.innerText()).toContain(text.callBack);

      const sent = stage.emulator.commands.length;
      const notes = await watchTexts(anna, 'dial-status-text');
      await callBack.click();
      // The emulator calls Anna's phone back at once: her outgoing call shows up and the note gives way to it.
      await popup(anna).waitFor();
      const command = stage.emulator.commands.slice(sent).find((c) => c.path === '/commands/callback');
      expect(command?.result).toBe(1000);
      expect(command?.payload).toMatchObject({ from: { extension: ANNA.extension }, to_number: STRANGER });
      expect(await notes()).toContain(text.ringsFirst);
      await stage.emulator.idle();
      await popup(anna).waitFor({ state: 'detached' });
    });

    it('a recording plays: the audio element loads the file', async () => {
      await stage.emulator.playScenario({ name: 'recorded', client: CLIENT_DIGITS, extensions: [ANNA.extension] });
      await anna.getByTestId('calls-tab-all').click();
      const play = anna.getByTestId('recording-play');
      await play.first().waitFor();
      await play.first().click();
      const audio = anna.getByTestId('recording-audio');
      await audio.waitFor();
      // HAVE_CURRENT_DATA or better, and the one-second tone's length known: the file arrived and decoded.
      await audio.evaluate(
        (element: HTMLAudioElement) =>
          new Promise<void>((resolve, reject) => {
            if (element.readyState >= 2) return resolve();
            element.addEventListener('loadeddata', () => resolve(), { once: true });
            element.addEventListener('error', () => reject(new Error(`audio error ${element.error?.code}`)), {
              once: true,
            });
          }),
      );
      const duration = await audio.evaluate((element: HTMLAudioElement) => element.duration);
      expect(duration).toBeGreaterThan(0.9);
      expect(duration).toBeLessThan(1.1);
      expect(await anna.getByTestId('recording-unavailable').count()).toBe(0);
    });
  });
});
