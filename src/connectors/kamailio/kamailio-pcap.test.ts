import { describe, expect, it } from 'vitest';
import { toneShare, wavChannel } from '../../testing/tone.js';
import { alaw, pcapToWav, ulaw } from './kamailio-pcap.js';

/** µ-law encoding (G.711), written out here so the decoder is checked against an independent encoder. */
function ulawEncode(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = 0;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** An Ethernet/IPv4/UDP/RTP frame of 160 µ-law samples. */
function rtpFrame(ssrc: number, seq: number, ts: number, payload: Buffer, payloadType = 0): Buffer {
  const rtp = Buffer.alloc(12);
  rtp[0] = 0x80;
  rtp[1] = payloadType;
  rtp.writeUInt16BE(seq, 2);
  rtp.writeUInt32BE(ts, 4);
  rtp.writeUInt32BE(ssrc, 8);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(40002, 2);
  udp.writeUInt16BE(8 + rtp.length + payload.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + udp.length + rtp.length + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, udp, rtp, payload]);
}

function pcap(frames: Array<{ us: number; frame: Buffer }>): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records = frames.map(({ us, frame }) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(us / 1e6), 0);
    record.writeUInt32LE(us % 1e6, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  return Buffer.concat([header, ...records]);
}

function toneStream(ssrc: number, hz: number, packets: number, startUs: number) {
  return Array.from({ length: packets }, (_, p) => {
    const payload = Buffer.alloc(160);
    for (let i = 0; i < 160; i++) {
      payload[i] = ulawEncode(Math.round(8000 * Math.sin((2 * Math.PI * hz * (p * 160 + i)) / 8000)));
    }
    return { us: startUs + p * 20_000, frame: rtpFrame(ssrc, p, 1000 + p * 160, payload) };
  });
}

describe('rtpengine pcap to WAV', () => {
  it('decodes G.711 like the standard tables', () => {
    expect(ulaw(0xff)).toBe(0);
    expect(ulaw(0x00)).toBe(-32124);
    expect(ulaw(0x80)).toBe(32124);
    expect(alaw(0xd5)).toBe(8);
    expect(alaw(0x55)).toBe(-8);
    expect(alaw(0xaa)).toBe(32256);
  });

  it('puts each RTP stream in its own channel, in the order they start, with its tone', () => {
    const frames = [...toneStream(0x1111, 440, 50, 1_000_000), ...toneStream(0x2222, 1000, 50, 1_040_000)].sort(
      (a, b) => a.us - b.us,
    );
    const wav = pcapToWav(pcap(frames));
    const first = wavChannel(wav, 0);
    const second = wavChannel(wav, 1);
    expect(first.rate).toBe(8000);
    // 50 packets of 20 ms, the second stream 40 ms (320 samples) later.
    expect(first.samples.length).toBe(8000 + 320);
    expect(toneShare(first.samples, 8000, 440)).toBeGreaterThan(0.5);
    expect(toneShare(second.samples, 8000, 1000)).toBeGreaterThan(0.5);
    expect(toneShare(first.samples, 8000, 1000)).toBeLessThan(0.01);
    expect(second.samples.slice(0, 320).every((s) => s === 0)).toBe(true);
  });

  it('skips what is not G.711 RTP and refuses a file that is not a pcap', () => {
    const other = toneStream(0x3333, 440, 5, 0).map(({ us, frame }) => {
      const copy = Buffer.from(frame);
      copy[14 + 20 + 8 + 1] = 96; // a dynamic payload type (e.g. Opus)
      return { us, frame: copy };
    });
    expect(wavChannel(pcapToWav(pcap(other)), 0).samples.length).toBe(0);
    expect(() => pcapToWav(Buffer.from('RIFF not a pcap at all, really'))).toThrow(/Not a pcap/);
  });
});
