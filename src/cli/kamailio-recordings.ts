/**
 * Serves the profile's recordings: GET /recordings/<Call-ID>.wav?expires=…&sig=… finds rtpengine's
 * `<dir>/pcaps/<Call-ID>-*.pcap` and answers it converted to WAV. Links are made by the connector's
 * `VoipGetCallLink`, signed with the shared secret (kamailio-api.ts `recordingSignature`).
 */
import { timingSafeEqual } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { recordingSignature } from '../connectors/kamailio/kamailio-api.js';
import { pcapToWav } from '../connectors/kamailio/kamailio-pcap.js';

export interface RecordingServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startRecordingServer(options: {
  host: string;
  port: number;
  secret: string;
  recordingDir: string;
  now?: () => number;
}): Promise<RecordingServer> {
  const now = options.now ?? Date.now;
  const server = createServer((request, response) => {
    const send = (status: number, message: string) => {
      response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${message}\n`);
    };
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://recordings');
      const match = /^\/recordings\/([^/]{1,200})\.wav$/.exec(url.pathname);
      if ((request.method !== 'GET' && request.method !== 'HEAD') || !match) return send(404, 'No such recording');
      const callId = decodeURIComponent(match[1] as string);
      const expires = Number(url.searchParams.get('expires'));
      const sig = url.searchParams.get('sig') ?? '';
      const expected = recordingSignature(options.secret, callId, expires);
      if (
        !Number.isInteger(expires) ||
        sig.length !== expected.length ||
        !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))
      ) {
        return send(403, 'This recording link is not signed: open the recording from Switchboard again');
      }
      if (expires * 1000 < now())
        return send(410, 'This recording link expired: open the recording from Switchboard again');
      const folder = join(options.recordingDir, 'pcaps');
      const names = (await readdir(folder).catch(() => [] as string[])).filter(
        (name) => name.startsWith(`${callId}-`) && name.endsWith('.pcap'),
      );
      if (names.length === 0) return send(404, 'rtpengine has no recording of this call');
      if (request.method === 'HEAD') {
        response.writeHead(200, { 'Content-Type': 'audio/wav', 'Cache-Control': 'no-store' });
        return response.end();
      }
      const wav = pcapToWav(await readFile(join(folder, names.sort()[0] as string)));
      response.writeHead(200, {
        'Content-Type': 'audio/wav',
        'Content-Length': wav.length,
        'Cache-Control': 'no-store',
      });
      response.end(wav);
    })().catch((error: unknown) => send(500, `Could not read the recording: ${(error as Error).message}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    url: `http://${options.host}:${options.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
