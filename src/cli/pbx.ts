/**
 * `switchboard pbx kamailio --connection <id>`: writes Switchboard's Kamailio profile for a connection
 * (deploy/kamailio/kamailio.cfg, its SIP port, the extensions, the webhook URL and shared secret) and runs
 * Kamailio in the foreground; with a recordings URL also rtpengine and the recordings server.
 * Ctrl-C stops them all.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readKamailioSettings } from '../connectors/kamailio/kamailio-settings.js';
import { openSettings } from '../runtime/connection-settings.js';
import { getConnection, toConnectionView } from '../runtime/connections.js';
import {
  startKamailio,
  startRtpengine,
  writeKamailioProfile,
  type KamailioProfile,
  type ProfileProcess,
} from './kamailio-profile.js';
import { startRecordingServer } from './kamailio-recordings.js';
import { withHub, withHubOptions, type HubFlags } from './hub-command.js';

interface PbxFlags extends HubFlags {
  connection: string;
  dir?: string;
  rtpenginePort: string;
  writeOnly?: boolean;
}

export function addPbxCommands(program: Command): void {
  const pbx = program.command('pbx').description('Run a PBX for a connection on this server');
  withHubOptions(
    pbx
      .command('kamailio')
      .description(
        'Write the Kamailio profile for a kamailio connection and run Kamailio (and rtpengine when recording)',
      )
      .requiredOption('--connection <id>', 'the id of the kamailio connection (switchboard connection list)')
      .option('--dir <path>', 'where the configuration and recordings go (default ./data/kamailio-<id>)')
      .option('--rtpengine-port <port>', "rtpengine's control port (UDP, on the control API's host)", '22222')
      .option(
        '--write-only',
        'write the configuration and exit (to run Kamailio yourself: kamailio -f <dir>/kamailio.cfg)',
      ),
  ).action(async (flags: PbxFlags) => {
    const { profile, recordingsUrl } = await withHub(flags, async (hub) => {
      const connection = await getConnection(hub, flags.connection);
      if (connection.connector_id !== 'kamailio') {
        throw new Error(`Connection ${connection.id} is a ${connection.connector_id} connection, not a kamailio one`);
      }
      const settings = readKamailioSettings(
        openSettings(JSON.parse(connection.settings) as Record<string, unknown>, hub.box),
      );
      const control = new URL(settings.controlUrl);
      const dir = resolve(flags.dir ?? join('data', `kamailio-${connection.id}`));
      const recording = settings.recordingsUrl !== undefined;
      const profile: KamailioProfile = {
        dir,
        ip: control.hostname,
        sipPort: settings.sipPort,
        httpPort: Number(control.port || 80),
        webhookUrl: toConnectionView(hub, connection).webhookUrl,
        secret: settings.secret,
        extensions: settings.extensions,
        ...(recording ? { rtpenginePort: Number(flags.rtpenginePort), recordingDir: join(dir, 'recordings') } : {}),
      };
      if (Object.keys(profile.extensions).length === 0) {
        throw new Error('The connection has no extensions: set "Extensions and SIP passwords" (1001=password, …)');
      }
      return { profile, recordingsUrl: settings.recordingsUrl };
    });
    const cfg = writeKamailioProfile(profile);
    const lines = [
      `Wrote ${cfg}`,
      `  Softphones: user = extension, password = its SIP password, domain ${profile.ip}, proxy ${profile.ip}:${profile.sipPort} (UDP)`,
      `  Extensions: ${Object.keys(profile.extensions).join(', ')}`,
      `  Events go to ${profile.webhookUrl}`,
    ];
    if (flags.writeOnly) {
      process.stdout.write(`${lines.join('\n')}\n`);
      return;
    }
    const say = (prefix: string) => (line: string) => {
      if (/ (ERROR|CRITICAL|ALERT|WARNING|NOTICE):|error/i.test(line)) process.stderr.write(`${prefix}: ${line}\n`);
    };
    const running: ProfileProcess[] = [];
    let server: Awaited<ReturnType<typeof startRecordingServer>> | undefined;
    if (profile.rtpenginePort && profile.recordingDir && recordingsUrl) {
      running.push(
        startRtpengine(
          { ip: profile.ip, rtpenginePort: profile.rtpenginePort, recordingDir: profile.recordingDir },
          say('rtpengine'),
        ),
      );
      const url = new URL(recordingsUrl);
      server = await startRecordingServer({
        host: url.hostname,
        port: Number(url.port || 80),
        secret: profile.secret,
        recordingDir: profile.recordingDir,
      });
      lines.push(`  Recording through rtpengine; recordings served at ${server.url}`);
    }
    running.push(startKamailio(cfg, profile.dir, say('kamailio')));
    lines.push(`  Control API at http://${profile.ip}:${profile.httpPort}. Ctrl-C stops.`);
    process.stdout.write(`${lines.join('\n')}\n`);
    const stop = async () => {
      await Promise.all(running.map((p) => p.stop()));
      await server?.close();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    const first = await Promise.race(running.map((p, i) => p.exited.then((code) => ({ i, code }))));
    await stop();
    if (first.code !== 0) {
      process.exitCode = 1;
      process.stderr.write(
        `${first.i === running.length - 1 ? 'kamailio' : 'rtpengine'} stopped (exit code ${String(first.code)})\n`,
      );
    }
  });
}
