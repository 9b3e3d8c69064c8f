/**
 * rtpengine's pcap recordings (`--recording-method=pcap --recording-format=eth`) to a WAV a browser plays.
 * Pure: a pcap in, a WAV out. Each RTP stream (SSRC) of the pcap becomes one channel, in the order the
 * streams start (the caller's usually first), placed by RTP timestamp so gaps stay silent; G.711 µ-law
 * (payload type 0) and A-law (8) are decoded, other payloads skipped. 8 kHz, 16-bit PCM.
 */

const SAMPLE_RATE = 8000;

interface Stream {
  ssrc: number;
  /** The first RTP timestamp and its capture time (µs), to line the streams up. */
  firstTs: number;
  firstUs: number;
  chunks: Array<{ ts: number; samples: Int16Array }>;
}

/** The RTP streams of a pcap, decoded; throws on a file that is not a pcap. */
export function pcapToWav(pcap: Buffer): Buffer {
  const streams = readStreams(pcap);
  if (streams.length === 0) return wav([new Int16Array(0)]);
  const startUs = Math.min(...streams.map((s) => s.firstUs));
  const channels = streams.slice(0, 2).map((stream) => {
    const offset = Math.round(((stream.firstUs - startUs) * SAMPLE_RATE) / 1_000_000);
    let length = 0;
    for (const chunk of stream.chunks)
      length = Math.max(length, offset + relative(chunk.ts, stream.firstTs) + chunk.samples.length);
    const pcm = new Int16Array(Math.min(length, SAMPLE_RATE * 4 * 3600));
    for (const chunk of stream.chunks) {
      const at = offset + relative(chunk.ts, stream.firstTs);
      if (at + chunk.samples.length <= pcm.length) pcm.set(chunk.samples, at);
    }
    return pcm;
  });
  return wav(channels);
}

/** RTP timestamps wrap at 2^32. */
function relative(ts: number, first: number): number {
  return (ts - first + 2 ** 32) % 2 ** 32;
}

function readStreams(pcap: Buffer): Stream[] {
  if (pcap.length < 24) throw new Error('Not a pcap file: too short');
  const magic = pcap.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && pcap.readUInt32BE(0) !== 0xa1b2c3d4 && pcap.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error('Not a pcap file: wrong magic number');
  }
  const nano = (little ? magic : pcap.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (at: number) => (little ? pcap.readUInt32LE(at) : pcap.readUInt32BE(at));
  const linkType = u32(20);
  const streams = new Map<number, Stream>();
  let at = 24;
  while (at + 16 <= pcap.length) {
    const us = u32(at) * 1_000_000 + (nano ? Math.floor(u32(at + 4) / 1000) : u32(at + 4));
    const length = u32(at + 8);
    const frame = pcap.subarray(at + 16, Math.min(at + 16 + length, pcap.length));
    at += 16 + length;
    const udp = udpPayload(frame, linkType);
    if (!udp) continue;
    const rtp = readRtp(udp);
    if (!rtp) continue;
    let stream = streams.get(rtp.ssrc);
    if (!stream) {
      stream = { ssrc: rtp.ssrc, firstTs: rtp.ts, firstUs: us, chunks: [] };
      streams.set(rtp.ssrc, stream);
    }
    stream.chunks.push({ ts: rtp.ts, samples: rtp.samples });
  }
  return [...streams.values()].sort((a, b) => a.firstUs - b.firstUs);
}

/** The UDP payload of an Ethernet (1), raw IP (101) or Linux cooked (113) frame carrying IPv4 or IPv6. */
function udpPayload(frame: Buffer, linkType: number): Buffer | undefined {
  let ip: Buffer;
  if (linkType === 1) {
    if (frame.length < 14) return undefined;
    let type = frame.readUInt16BE(12);
    let offset = 14;
    if (type === 0x8100 && frame.length >= 18) {
      type = frame.readUInt16BE(16);
      offset = 18;
    }
    if (type !== 0x0800 && type !== 0x86dd) return undefined;
    ip = frame.subarray(offset);
  } else if (linkType === 101) {
    ip = frame;
  } else if (linkType === 113) {
    ip = frame.subarray(16);
  } else {
    return undefined;
  }
  if (ip.length < 1) return undefined;
  const version = ip[0]! >> 4;
  let udp: Buffer;
  if (version === 4) {
    const headerLength = (ip[0]! & 0x0f) * 4;
    if (ip.length < headerLength + 8 || ip[9] !== 17) return undefined;
    udp = ip.subarray(headerLength);
  } else if (version === 6) {
    if (ip.length < 48 || ip[6] !== 17) return undefined;
    udp = ip.subarray(40);
  } else {
    return undefined;
  }
  return udp.subarray(8);
}

function readRtp(packet: Buffer): { ssrc: number; ts: number; samples: Int16Array } | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  const csrcs = packet[0]! & 0x0f;
  const extension = (packet[0]! & 0x10) !== 0;
  const padding = (packet[0]! & 0x20) !== 0;
  const payloadType = packet[1]! & 0x7f;
  if (payloadType !== 0 && payloadType !== 8) return undefined;
  let offset = 12 + csrcs * 4;
  if (extension) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  let end = packet.length;
  if (padding && end > offset) end -= packet[end - 1]!;
  if (end <= offset) return undefined;
  const payload = packet.subarray(offset, end);
  const decode = payloadType === 0 ? ulaw : alaw;
  const samples = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) samples[i] = decode(payload[i]!);
  return { ssrc: packet.readUInt32BE(8), ts: packet.readUInt32BE(4), samples };
}

/** ITU-T G.711 µ-law expansion. */
export function ulaw(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** ITU-T G.711 A-law expansion. */
export function alaw(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else if (segment === 1) t += 0x108;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

/** A 16-bit PCM WAV of these channels (the shorter ones padded with silence). */
export function wav(channels: Int16Array[]): Buffer {
  const count = Math.max(1, channels.length);
  const frames = Math.max(0, ...channels.map((c) => c.length));
  const data = Buffer.alloc(frames * count * 2);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels.length; c++) data.writeInt16LE(channels[c]![i] ?? 0, (i * count + c) * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(count, 22);
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * count * 2, 28);
  header.writeUInt16LE(count * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
