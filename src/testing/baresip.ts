/**
 * A baresip softphone driven over its ctrl_tcp socket (netstring-framed JSON), for the SIP end-to-end
 * tests. Each phone gets its own config folder; `stop` kills the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

export interface BaresipOptions {
  dir: string;
  extension: string;
  password: string;
  /** Kamailio's SIP address, `127.0.0.1:15060`: the account's domain and proxy at once. */
  proxy: string;
  sipPort: number;
  ctrlPort: number;
  answer: 'auto' | 'manual';
  /** A WAV (8 kHz mono) the phone sends as its microphone. */
  wav: string;
  /** RTP port range, "20000-20199": phones on one machine must not share one. */
  rtpPorts: string;
}

export interface BaresipEvent {
  event?: boolean;
  response?: boolean;
  class?: string;
  type?: string;
  param?: string;
  peeruri?: string;
  id?: string;
  token?: string;
  ok?: boolean;
  data?: string;
}

export class BaresipPhone {
  readonly events: BaresipEvent[] = [];
  private waiters: Array<() => void> = [];
  private buffer = Buffer.alloc(0);
  private seq = 0;

  private constructor(
    readonly extension: string,
    private readonly child: ChildProcess,
    private readonly socket: Socket,
    private readonly exited: Promise<void>,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static async start(options: BaresipOptions): Promise<BaresipPhone> {
    mkdirSync(options.dir, { recursive: true });
    writeFileSync(
      join(options.dir, 'config'),
      [
        `sip_listen 127.0.0.1:${options.sipPort}`,
        'net_interface 127.0.0.1',
        `audio_source aufile,${options.wav}`,
        'audio_player alsa,null',
        'audio_alert alsa,null',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module alsa.so',
        'module account.so',
        'module menu.so',
        'module ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${options.ctrlPort}`,
        'audio_buffer 20-160',
        `rtp_ports ${options.rtpPorts}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(options.dir, 'accounts'),
      `<sip:${options.extension}@${options.proxy};transport=udp>;auth_pass=${options.password};` +
        `answermode=${options.answer};regint=60;audio_codecs=PCMU,PCMA\n`,
    );
    const logFile = join(options.dir, 'baresip.log');
    const log = openSync(logFile, 'w');
    const child = spawn('baresip', ['-f', options.dir], { stdio: ['ignore', log, log] });
    closeSync(log);
    let running = true;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }).then(() => {
      running = false;
    });
    // A loaded machine (the whole suite on two cores) can take seconds to start it.
    const socket = await connectWithRetry(options.ctrlPort, 20_000, () => running).catch((error: unknown) => {
      child.kill('SIGKILL');
      const output = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ');
      throw new Error(
        `${(error as Error).message} (baresip ${running ? 'still starting' : 'exited'}; its log: ${output})`,
      );
    });
    return new BaresipPhone(options.extension, child, socket, exited);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString());
      if (this.buffer.length < colon + 1 + length + 1) return;
      const text = this.buffer.subarray(colon + 1, colon + 1 + length).toString();
      this.buffer = this.buffer.subarray(colon + 1 + length + 1);
      try {
        this.events.push(JSON.parse(text) as BaresipEvent);
      } catch {
        continue;
      }
      for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Sends a command; resolves with its response. */
  async command(command: string, params = ''): Promise<BaresipEvent> {
    const token = `t${++this.seq}`;
    const json = JSON.stringify({ command, params, token });
    this.socket.write(`${Buffer.byteLength(json)}:${json},`);
    return this.waitFor((e) => e.response === true && e.token === token, 5000, `the answer to ${command}`);
  }

  /** The first event (since `from`, an index into `events`) matching `match`. */
  async waitFor(
    match: (event: BaresipEvent) => boolean,
    timeoutMs: number,
    what: string,
    from = 0,
  ): Promise<BaresipEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.events.map((e) => e.type ?? (e.response ? 'response' : '?')).join(', ');
        throw new Error(`Phone ${this.extension} did not see ${what} within ${timeoutMs} ms (saw: ${seen})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a call event of this type that arrived at or after index `from`. */
  waitCall(type: string, from = 0, timeoutMs = 10_000): Promise<BaresipEvent> {
    return this.waitFor((e) => e.event === true && e.class === 'call' && e.type === type, timeoutMs, type, from);
  }

  async waitRegistered(timeoutMs = 10_000): Promise<void> {
    await this.waitFor((e) => e.event === true && e.type === 'REGISTER_OK', timeoutMs, 'REGISTER_OK');
  }

  async stop(): Promise<void> {
    this.socket.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

async function connectWithRetry(port: number, timeoutMs: number, alive: () => boolean): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`baresip exited before its control socket on ${port} opened`);
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`baresip's control socket on ${port} did not open: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
