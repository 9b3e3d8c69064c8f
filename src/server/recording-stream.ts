/**
 * Streams a recording that the connector fetched (ARI's stored files) to the player at the hub's own URL.
 * Players seek with Range requests and Asterisk answers only whole files, so when the length is known the
 * hub cuts the asked bytes out of the stream itself (RFC 9110 §14: one range; several are served whole).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyReply } from 'fastify';
import type { RecordingAudio } from '../contract/index.js';

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** The one range a `Range` header asks of `total` bytes; undefined to send it all; 'unsatisfiable' for 416. */
export function parseRange(header: string | undefined, total: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/i.exec((header ?? '').trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || total === 0) return 'unsatisfiable';
    return { start: Math.max(0, total - suffix), end: total - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? total - 1 : Math.min(Number(match[2]), total - 1);
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= total) return 'unsatisfiable';
  return { start, end };
}

export function sendRecording(reply: FastifyReply, audio: RecordingAudio, rangeHeader: string | undefined) {
  const total = audio.contentLength;
  // Private call audio: never cached on the way, never sniffed into something else.
  reply.header('content-type', audio.contentType).header('cache-control', 'private, no-store');
  reply.header('x-content-type-options', 'nosniff');
  if (total === undefined) return reply.status(200).send(Readable.fromWeb(audio.body as WebReadableStream));
  reply.header('accept-ranges', 'bytes');
  const range = parseRange(rangeHeader, total);
  if (range === 'unsatisfiable') {
    void audio.body.cancel();
    return reply.status(416).header('content-range', `bytes */${total}`).send();
  }
  const source = Readable.fromWeb(audio.body as WebReadableStream);
  if (!range) return reply.status(200).header('content-length', total).send(source);
  return reply
    .status(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${total}`)
    .header('content-length', range.end - range.start + 1)
    .send(Readable.from(slice(source, range)));
}

/** The bytes of `range` from the stream; the rest of the source is dropped. */
async function* slice(source: Readable, range: ByteRange): AsyncGenerator<Buffer> {
  let offset = 0;
  try {
    for await (const chunk of source) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      const from = Math.max(range.start - offset, 0);
      const to = Math.min(range.end + 1 - offset, bytes.length);
      offset += bytes.length;
      if (to > from) yield bytes.subarray(from, to);
      if (offset > range.end) return;
    }
  } finally {
    source.destroy();
  }
}
