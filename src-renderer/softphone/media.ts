// The softphone's audio on this desk: the microphone as Settings ask for it
// (device, echo cancellation, noise suppression, gain control), the far end's
// audio on the chosen speaker, the ring and call-waiting tones on the chosen
// ringer device, and an input level meter. Browser APIs only (DOM/WebRTC live
// in the renderer); failures come back as SoftphoneError codes.
import type { SoftphoneSettings } from '../../src-shared/domain/softphone-settings';
import { mediaFailure } from '../../src-shared/softphone/errors';
import type { SoftphoneError } from '../../src-shared/softphone/status';

export type AudioSettings = Pick<SoftphoneSettings, 'microphoneId' | 'speakerId' | 'ringerId' | 'echoCancellation' | 'noiseSuppression' | 'autoGainControl'>;

/** getUserMedia constraints for the call: audio only, the chosen microphone exactly (a missing one is an error, not a silent fallback). */
export function micConstraints(s: AudioSettings): MediaStreamConstraints {
  return {
    audio: {
      ...(s.microphoneId ? { deviceId: { exact: s.microphoneId } } : {}),
      echoCancellation: s.echoCancellation,
      noiseSuppression: s.noiseSuppression,
      autoGainControl: s.autoGainControl,
    },
    video: false,
  };
}

export class MediaError extends Error {
  constructor(readonly error: SoftphoneError) {
    super(error.detail ? `${error.message} (${error.detail})` : error.message);
    this.name = 'MediaError';
  }
}

/** Opens the microphone; rejects with a MediaError naming the reason. */
export async function openMicrophone(s: AudioSettings, devices: MediaDevices | undefined = navigator.mediaDevices): Promise<MediaStream> {
  if (!devices?.getUserMedia) throw new MediaError(mediaFailure('NotSupportedError', 'this page cannot use the microphone (not a secure context?)'));
  try {
    return await devices.getUserMedia(micConstraints(s));
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown };
    throw new MediaError(mediaFailure(typeof e.name === 'string' ? e.name : 'Error', typeof e.message === 'string' ? e.message : String(error)));
  }
}

export function stopStream(stream: MediaStream | undefined): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}

export interface AudioDevice {
  readonly id: string;
  readonly label: string;
  readonly kind: 'audioinput' | 'audiooutput';
}

/** Microphones and speakers (labels appear once the page may use the microphone). */
export async function listAudioDevices(devices: MediaDevices | undefined = navigator.mediaDevices): Promise<readonly AudioDevice[]> {
  if (!devices?.enumerateDevices) return [];
  const all = await devices.enumerateDevices();
  return all
    .filter((d): d is MediaDeviceInfo & { kind: 'audioinput' | 'audiooutput' } => d.kind === 'audioinput' || d.kind === 'audiooutput')
    .filter((d) => d.deviceId !== 'default' && d.deviceId !== 'communications' && d.deviceId !== '')
    .map((d) => ({ id: d.deviceId, label: d.label, kind: d.kind }));
}

type SinkElement = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

/** Routes an audio element to a device; '' keeps the default. Browsers without setSinkId play on the default. */
async function setSink(el: SinkElement, deviceId: string): Promise<void> {
  if (!el.setSinkId) return;
  await el.setSinkId(deviceId);
}

/** The far end's audio of one call, on the chosen speaker. */
export class RemoteAudio {
  private readonly el: SinkElement;
  constructor() {
    this.el = document.createElement('audio') as SinkElement;
    this.el.autoplay = true;
  }
  async play(stream: MediaStream, speakerId: string): Promise<void> {
    this.el.srcObject = stream;
    await setSink(this.el, speakerId).catch(() => undefined);
    await this.el.play().catch(() => undefined);
  }
  async setSpeaker(speakerId: string): Promise<void> {
    await setSink(this.el, speakerId).catch(() => undefined);
  }
  stop(): void {
    this.el.pause();
    this.el.srcObject = null;
  }
}

/** Tone patterns: [on ms, off ms, ...] repeated, with their frequencies. */
const TONES = {
  // 425 Hz, 1 s on, 4 s off (the European ringing cadence) — the ringer sounds while the call waits to be answered.
  ring: { freqs: [425, 480], pattern: [1000, 4000] },
  // Two short beeps every 8 s: a second call waits while I talk.
  waiting: { freqs: [440], pattern: [200, 150, 200, 7450] },
} as const;

/** Ring and call-waiting tones made with Web Audio (no sound files to ship), played on the ringer device. */
export class Ringer {
  private ctx: AudioContext | undefined;
  private el: SinkElement | undefined;
  private current: 'ring' | 'waiting' | 'none' = 'none';
  private stopTone: (() => void) | undefined;
  /** Times a tone started (tests and the bench read it). */
  started = 0;

  set(tone: 'ring' | 'waiting' | 'none', ringerId: string): void {
    if (tone === this.current) return;
    this.stopTone?.();
    this.stopTone = undefined;
    this.current = tone;
    if (tone === 'none') return;
    try {
      this.stopTone = this.play(TONES[tone], ringerId);
      this.started += 1;
    } catch {
      // No audio output at all: the card still rings visually.
    }
  }

  private play(tone: { readonly freqs: readonly number[]; readonly pattern: readonly number[] }, ringerId: string): () => void {
    this.ctx ??= new AudioContext();
    const ctx = this.ctx;
    void ctx.resume().catch(() => undefined);
    const gain = ctx.createGain();
    gain.gain.value = 0;
    const oscillators = tone.freqs.map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start();
      return o;
    });
    const dest = ctx.createMediaStreamDestination();
    gain.connect(dest);
    this.el ??= document.createElement('audio') as SinkElement;
    const el = this.el;
    el.srcObject = dest.stream;
    void setSink(el, ringerId)
      .catch(() => undefined)
      .then(() => el.play())
      .catch(() => undefined);
    // Schedule the cadence a minute ahead; a longer ring re-schedules.
    const cycle = tone.pattern.reduce((a, b) => a + b, 0);
    const schedule = (from: number): void => {
      let t = from;
      for (let n = 0; n < Math.ceil(60_000 / cycle); n++) {
        tone.pattern.forEach((ms, i) => {
          gain.gain.setValueAtTime(i % 2 === 0 ? 0.2 / tone.freqs.length : 0, t);
          t += ms / 1000;
        });
      }
    };
    schedule(ctx.currentTime);
    const timer = window.setInterval(() => schedule(ctx.currentTime), 55_000);
    return () => {
      window.clearInterval(timer);
      gain.gain.cancelScheduledValues(0);
      for (const o of oscillators) o.stop();
      gain.disconnect();
      el.pause();
      el.srcObject = null;
    };
  }

  dispose(): void {
    this.set('none', '');
    void this.ctx?.close().catch(() => undefined);
    this.ctx = undefined;
  }
}

/** The level (0..1, RMS) of a microphone stream, read on demand (the UI polls it per animation frame). */
export class LevelMeter {
  private readonly ctx: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly buf: Float32Array<ArrayBuffer>;
  constructor(stream: MediaStream) {
    this.ctx = new AudioContext();
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.buf = new Float32Array(this.analyser.fftSize);
    this.ctx.createMediaStreamSource(stream).connect(this.analyser);
    void this.ctx.resume().catch(() => undefined);
  }
  level(): number {
    this.analyser.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (const v of this.buf) sum += v * v;
    return Math.min(1, Math.sqrt(sum / this.buf.length) * 3);
  }
  dispose(): void {
    void this.ctx.close().catch(() => undefined);
  }
}
