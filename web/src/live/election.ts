/** Ways for the tabs of one browser to agree on a single leader. */
import type { Elect } from './live-hub.js';

/** The part of `navigator.locks` an election needs. */
export interface LockRequester {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void> | undefined): Promise<unknown>;
}

/**
 * Web Locks: the tab holding the lock leads until it closes or leaves; the browser hands the lock to
 * the next waiting tab, even when the leader crashes. Needs a secure context (HTTPS or localhost).
 */
export function lockElection(locks: LockRequester, name: string): Elect {
  return ({ lead }) => {
    const abort = new AbortController();
    let release: (() => void) | undefined;
    let left = false;
    locks
      .request(name, { signal: abort.signal }, () => {
        if (left) return undefined;
        lead();
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      })
      .catch(() => {
        // Aborted while waiting: this tab left before it ever led.
      });
    return () => {
      left = true;
      if (release) release();
      else abort.abort();
    };
  };
}

export type ElectionMessage = { t: 'beat'; id: string } | { t: 'who' } | { t: 'bye'; id: string };

export interface ElectionChannel {
  post(message: ElectionMessage): void;
  subscribe(listener: (message: ElectionMessage) => void): () => void;
  close?(): void;
}

export interface HeartbeatOptions {
  channel: ElectionChannel;
  /** Ties are broken by id: the smaller one keeps leading. */
  id?: string;
  intervalMs?: number;
  /** A leader silent this long is gone. */
  timeoutMs?: number;
  /** How long a new tab listens for a leader before it claims. */
  startDelayMs?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * For plain-HTTP installs, where Web Locks do not exist: the leader sends a heartbeat every
 * `intervalMs`; a follower that hears none for `timeoutMs` claims. If two tabs lead at once, each
 * hears the other's beat and the larger id steps down.
 */
export function heartbeatElection(options: HeartbeatOptions): Elect {
  const {
    channel,
    id = randomId(),
    intervalMs = 1000,
    timeoutMs = 3000,
    startDelayMs = 300,
    now = () => Date.now(),
    random = Math.random,
  } = options;

  return ({ lead, resign }) => {
    let leading = false;
    let lastBeat = now();
    const timeouts = new Set<ReturnType<typeof setTimeout>>();
    const later = (fn: () => void, ms: number) => {
      const handle = setTimeout(() => {
        timeouts.delete(handle);
        fn();
      }, ms);
      timeouts.add(handle);
    };

    const claimIfSilent = () => {
      if (leading || now() - lastBeat < timeoutMs) return;
      leading = true;
      channel.post({ t: 'beat', id });
      lead();
    };

    const unsubscribe = channel.subscribe((message) => {
      switch (message.t) {
        case 'who':
          if (leading) channel.post({ t: 'beat', id });
          return;
        case 'beat':
          if (message.id === id) return;
          lastBeat = now();
          if (!leading) return;
          if (message.id < id) {
            leading = false;
            resign();
          } else {
            channel.post({ t: 'beat', id });
          }
          return;
        case 'bye':
          if (leading || message.id === id) return;
          lastBeat = Number.NEGATIVE_INFINITY;
          // Spread the claims so the followers rarely all open a stream at the same moment.
          later(claimIfSilent, Math.floor(random() * intervalMs));
          return;
      }
    });

    const timer = setInterval(() => {
      if (leading) channel.post({ t: 'beat', id });
      else claimIfSilent();
    }, intervalMs);

    channel.post({ t: 'who' });
    lastBeat = now() - timeoutMs + startDelayMs;
    later(claimIfSilent, startDelayMs);

    return () => {
      clearInterval(timer);
      for (const handle of timeouts) clearTimeout(handle);
      timeouts.clear();
      unsubscribe();
      if (leading) channel.post({ t: 'bye', id });
      leading = false;
      channel.close?.();
    };
  };
}

/** Without any channel between tabs, every tab leads alone. */
export const soloElection: Elect = ({ lead }) => {
  lead();
  return () => {};
};

function randomId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
