/** Test audio: a sine tone as an 8 kHz WAV for a softphone's microphone, and a Goertzel filter to find it again. */

/** A mono 16-bit 8 kHz WAV of a sine at `hz`. */
export function toneWav(hz: number, seconds: number, amplitude = 8000): Buffer {
  const samples = Math.round(8000 * seconds);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(8000, 24);
  wav.writeUInt32LE(16000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    wav.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)), 44 + i * 2);
  }
  return wav;
}

/** One channel of a 16-bit PCM WAV, with its rate (reads the fmt and data chunks). */
export function wavChannel(wav: Buffer, channel: number): { rate: number; samples: Float64Array } {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV');
  let at = 12;
  let channels = 1;
  let rate = 8000;
  while (at + 8 <= wav.length) {
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      channels = wav.readUInt16LE(at + 10);
      rate = wav.readUInt32LE(at + 12);
    }
    if (id === 'data') {
      const frames = Math.floor(Math.min(size, wav.length - at - 8) / (2 * channels));
      const samples = new Float64Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = wav.readInt16LE(at + 8 + (i * channels + channel) * 2);
      return { rate, samples };
    }
    at += 8 + size;
  }
  throw new Error('WAV without data');
}

/** The power of `hz` in the samples, relative to their total power (0..1): Goertzel's algorithm. */
export function toneShare(samples: Float64Array, rate: number, hz: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const k = Math.round((n * hz) / rate);
  const coefficient = 2 * Math.cos((2 * Math.PI * k) / n);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  // A pure tone puts n/2 * energy into its bin.
  return energy === 0 ? 0 : power / ((n / 2) * energy);
}
