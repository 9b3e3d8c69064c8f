/**
 * A small office on real SIP software for the end-to-end tests: Kamailio with Switchboard's profile,
 * rtpengine recording to pcap, the recordings server, and baresip softphones. `describeWithSip` skips
 * with a message when the programs are not installed, and fails instead when CI=true (like
 * `describeEachDatabase` with PostgreSQL): CI installs them (.ci/run).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { startKamailio, startRtpengine, writeKamailioProfile, type ProfileProcess } from '../cli/kamailio-profile.js';
import { startRecordingServer, type RecordingServer } from '../cli/kamailio-recordings.js';
import { BaresipPhone } from './baresip.js';
import { closedPort } from './http-helpers.js';
import { toneWav } from './tone.js';

const PROGRAMS = ['kamailio', 'baresip', 'rtpengine'] as const;

function missingPrograms(): string[] {
  return PROGRAMS.filter((program) => {
    try {
      execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

/** `describe` when Kamailio, baresip and rtpengine are installed; otherwise a skip that says so (a failure on CI). */
export function describeWithSip(title: string, body: () => void): void {
  const missing = missingPrograms();
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const message = `${missing.join(', ')} not installed: apt-get install kamailio kamailio-extra-modules kamailio-utils-modules baresip-core rtpengine-daemon (see .ci/run)`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has the SIP programs it needs', () => {
        throw new Error(message);
      });
    });
    return;
  }
  describe.skip(`${title} (skipped: ${message})`, body);
}

export interface SipOffice {
  dir: string;
  sipPort: number;
  controlUrl: string;
  recordingsUrl: string;
  /** The settings of the connection for this office. */
  settings: Record<string, string | number>;
  phones: Record<string, BaresipPhone>;
  /** The tone (Hz) each phone sends as its microphone. */
  tones: Record<string, number>;
  /** Starts Kamailio, rtpengine, the recordings server and the phones, once the hub's webhook URL is known. */
  start(webhookUrl: string): Promise<void>;
  /** Waits until every phone is registered (Kamailio's own view). */
  waitRegistered(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Ports and settings first (the connection needs them), processes on `start`. */
export async function prepareSipOffice(
  phones: Array<{ extension: string; answer: 'auto' | 'manual'; tone: number }>,
): Promise<SipOffice> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sip-'));
  const [sipPort, httpPort, rtpPort, recPort] = [
    await closedPort(),
    await closedPort(),
    await closedPort(),
    await closedPort(),
  ];
  const secret = `secret${Math.random().toString(36).slice(2, 14)}`;
  const passwords = Object.fromEntries(phones.map((p) => [p.extension, `pw-${p.extension}-${secret.slice(-4)}`]));
  const controlUrl = `http://127.0.0.1:${httpPort}`;
  const recordingsUrl = `http://127.0.0.1:${recPort}`;
  const processes: ProfileProcess[] = [];
  const started: BaresipPhone[] = [];
  let recordings: RecordingServer | undefined;
  const log: string[] = [];
  const office: SipOffice = {
    dir,
    sipPort,
    controlUrl,
    recordingsUrl,
    settings: {
      controlUrl,
      secret,
      sipPort,
      extensions: Object.entries(passwords)
        .map(([e, p]) => `${e}=${p}`)
        .join(','),
      recordingsUrl,
    },
    phones: {},
    tones: Object.fromEntries(phones.map((p) => [p.extension, p.tone])),
    async start(webhookUrl) {
      const recordingDir = join(dir, 'recordings');
      const cfg = writeKamailioProfile({
        dir: join(dir, 'kamailio'),
        ip: '127.0.0.1',
        sipPort,
        httpPort,
        webhookUrl,
        secret,
        extensions: passwords,
        rtpenginePort: rtpPort,
        recordingDir,
      });
      const keep = (line: string) => void (log.length < 2000 && log.push(line));
      processes.push(
        startRtpengine(
          { ip: '127.0.0.1', rtpenginePort: rtpPort, recordingDir, portMin: 30000 + (rtpPort % 20) * 1000 },
          keep,
        ),
      );
      processes.push(startKamailio(cfg, join(dir, 'kamailio'), keep));
      recordings = await startRecordingServer({ host: '127.0.0.1', port: recPort, secret, recordingDir });
      await waitForHttp(`${controlUrl}/extensions`, secret, processes, log);
      let n = 0;
      for (const phone of phones) {
        const wav = join(dir, `tone-${phone.tone}.wav`);
        writeFileSync(wav, toneWav(phone.tone, 10));
        const port = await closedPort();
        const created = await BaresipPhone.start({
          dir: join(dir, `phone-${phone.extension}`),
          extension: phone.extension,
          password: passwords[phone.extension] as string,
          proxy: `127.0.0.1:${sipPort}`,
          sipPort: port,
          ctrlPort: await closedPort(),
          answer: phone.answer,
          wav,
          // Disjoint per phone, and per office by Kamailio's port, so parallel test files do not share them.
          rtpPorts: `${20000 + (sipPort % 40) * 400 + n * 100}-${20099 + (sipPort % 40) * 400 + n * 100}`,
        });
        n++;
        started.push(created);
        office.phones[phone.extension] = created;
      }
    },
    async waitRegistered(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await fetch(`${controlUrl}/extensions`, { headers: { 'X-Switchboard-Secret': secret } });
        const list = (await response.json()) as Array<{ extension: string; online: boolean }>;
        if (list.length === phones.length && list.every((e) => e.online)) return;
        if (Date.now() > deadline) throw new Error(`Phones did not register: ${JSON.stringify(list)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await Promise.all(started.map((phone) => phone.stop()));
      await Promise.all(processes.map((p) => p.stop()));
      await recordings?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return office;
}

async function waitForHttp(url: string, secret: string, processes: ProfileProcess[], log: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(url, { headers: { 'X-Switchboard-Secret': secret } });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    const dead = processes.find((p) => p.child.exitCode !== null);
    if (dead || Date.now() > deadline) {
      throw new Error(
        `Kamailio did not start:\n${log
          .filter((l) => !/INFO|DEBUG/.test(l))
          .slice(-30)
          .join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
