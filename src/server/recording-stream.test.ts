import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseRange, sendRecording } from './recording-stream.js';

const BYTES = Buffer.from('RIFF....WAVEfmt data0123456789');

/** The bytes in chunks of three, as a PBX's answer arrives in pieces. */
function chunked(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + 3)));
      offset += 3;
    },
  });
}

/** `contentLength` null: the PBX gave no length. */
async function serve(range?: string, contentLength: number | null = BYTES.length) {
  const app = Fastify();
  app.get('/audio', (request, reply) =>
    sendRecording(
      reply,
      { contentType: 'audio/wav', ...(contentLength === null ? {} : { contentLength }), body: chunked(BYTES) },
      request.headers.range,
    ),
  );
  const response = await app.inject({ method: 'GET', url: '/audio', headers: range ? { range } : {} });
  await app.close();
  return response;
}

describe('parseRange', () => {
  it('reads one range of bytes: from-to, from, and the last n', () => {
    expect(parseRange('bytes=0-3', 10)).toEqual({ start: 0, end: 3 });
    expect(parseRange('bytes=4-', 10)).toEqual({ start: 4, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
  });

  it('serves it all for no range, several ranges or nonsense; 416 past the end', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=0-1,4-5', 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
    expect(parseRange('bytes=5-2', 10)).toBeUndefined();
    expect(parseRange('bytes=-', 10)).toBeUndefined();
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
  });
});

describe('sendRecording', () => {
  it('streams the whole file with its type and length, private and not sniffed', async () => {
    const response = await serve();
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload).toEqual(BYTES);
    expect(response.headers).toMatchObject({
      'content-type': 'audio/wav',
      'content-length': String(BYTES.length),
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    });
  });

  it('cuts the asked range out of the stream across chunk boundaries', async () => {
    const response = await serve('bytes=8-11');
    expect(response.statusCode).toBe(206);
    expect(response.body).toBe('WAVE');
    expect(response.headers['content-range']).toBe(`bytes 8-11/${BYTES.length}`);
    expect(response.headers['content-length']).toBe('4');
    const tail = await serve('bytes=-4');
    expect(tail.body).toBe('6789');
  });

  it('answers 416 past the end, and the whole file when the length is not known', async () => {
    const beyond = await serve(`bytes=${BYTES.length}-`);
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${BYTES.length}`);
    const unknown = await serve('bytes=0-3', null);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.rawPayload).toEqual(BYTES);
    expect(unknown.headers['accept-ranges']).toBeUndefined();
  });
});
