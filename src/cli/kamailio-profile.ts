/**
 * The Kamailio PBX profile on this machine: writes `deploy/kamailio/kamailio.cfg` with its two generated
 * includes into a folder and runs Kamailio (and rtpengine when recording) in the foreground.
 * Used by `switchboard pbx kamailio` and by the SIP end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAMAILIO_CFG = fileURLToPath(new URL('../../deploy/kamailio/kamailio.cfg', import.meta.url));

export interface KamailioProfile {
  /** Where the configuration and run files go; created when missing. */
  dir: string;
  ip: string;
  sipPort: number;
  httpPort: number;
  /** The SIP domain softphones register to; the IP when not given. */
  domain?: string;
  webhookUrl: string;
  secret: string;
  /** extension -> SIP password */
  extensions: Record<string, string>;
  /** rtpengine's control port on `ip`: recording on when given. */
  rtpenginePort?: number;
  /** Where rtpengine writes `pcaps/<Call-ID>-*.pcap`. */
  recordingDir?: string;
}

/** Characters that would break a `#!substdef` value or a quoted config string. */
const UNSAFE = /[!"\\\r\n]/;

/** Writes kamailio.cfg and its includes into `profile.dir`; returns the path of kamailio.cfg. */
export function writeKamailioProfile(profile: KamailioProfile): string {
  for (const [name, value] of Object.entries({ webhookUrl: profile.webhookUrl, secret: profile.secret })) {
    if (UNSAFE.test(value)) throw new Error(`The ${name} must not contain ! " \\ or line breaks`);
  }
  mkdirSync(profile.dir, { recursive: true });
  const defines: Array<[string, string]> = [
    ['SB_SIP_IP', profile.ip],
    ['SB_SIP_PORT', String(profile.sipPort)],
    ['SB_HTTP_PORT', String(profile.httpPort)],
    ['SB_DOMAIN', profile.domain ?? profile.ip],
    ['SB_WEBHOOK_URL', profile.webhookUrl],
    ['SB_SECRET', profile.secret],
    ['SB_RUN_DIR', profile.dir],
  ];
  if (profile.rtpenginePort) defines.push(['SB_RTPENGINE', `udp:${profile.ip}:${profile.rtpenginePort}`]);
  const local = [
    '# Written by `switchboard pbx kamailio`; rewritten on every start.',
    ...defines.map(([name, value]) => `#!substdef "!${name}!${value}!g"`),
    ...(profile.rtpenginePort ? ['#!define WITH_RECORDING'] : []),
    '',
  ];
  writeFileSync(join(profile.dir, 'switchboard-local.cfg'), local.join('\n'), { mode: 0o600 });
  const seeds = Object.entries(profile.extensions).map(([extension, password]) => {
    if (!/^\d{1,10}$/.test(extension)) throw new Error(`Extension "${extension}" must be 1 to 10 digits`);
    if (UNSAFE.test(password) || password === '') {
      throw new Error(`The password of ${extension} must be non-empty, without ! " \\ or line breaks`);
    }
    return `\t$sht(ext=>${extension}) = "${password}";`;
  });
  const extensions = [
    '# Extensions and SIP passwords, loaded at start.',
    'event_route[htable:mod-init] {',
    ...seeds,
    '}',
    '',
  ];
  writeFileSync(join(profile.dir, 'switchboard-extensions.cfg'), extensions.join('\n'), { mode: 0o600 });
  const cfg = join(profile.dir, 'kamailio.cfg');
  copyFileSync(KAMAILIO_CFG, cfg);
  return cfg;
}

/** A process of the profile; `stop` ends it (SIGTERM, then SIGKILL after 2 s) and resolves once it exited. */
export interface ProfileProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function startKamailio(cfg: string, dir: string, output: (line: string) => void = () => {}): ProfileProcess {
  // -DD: no fork, -E: log to stderr, -Y: runtime dir (the packaged /run/kamailio may not exist).
  return run('kamailio', ['-f', cfg, '-DD', '-E', '-Y', dir, '-P', join(dir, 'kamailio.pid')], output);
}

export function startRtpengine(
  profile: Required<Pick<KamailioProfile, 'ip' | 'rtpenginePort' | 'recordingDir'>> & { portMin?: number },
  output: (line: string) => void = () => {},
): ProfileProcess {
  mkdirSync(profile.recordingDir, { recursive: true });
  const min = profile.portMin ?? 40000;
  // Userspace forwarding only (-t -1): no kernel module; pcap recording needs no recording daemon.
  return run(
    'rtpengine',
    [
      '--config-file=none',
      '-f',
      '-E',
      '-t',
      '-1',
      '-i',
      profile.ip,
      '-n',
      `${profile.ip}:${profile.rtpenginePort}`,
      '-m',
      String(min),
      '-M',
      String(min + 999),
      `--recording-dir=${profile.recordingDir}`,
      '--recording-method=pcap',
      '--recording-format=eth',
      '--delete-delay=0',
      '-L',
      '5',
    ],
    output,
  );
}

function run(command: string, args: string[], output: (line: string) => void): ProfileProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output(`${command}: ${error.message}`);
      resolve(null);
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) output(line);
    });
  }
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
