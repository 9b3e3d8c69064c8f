/** Wires a LiveHub to the browser: BroadcastChannel, Web Locks (or heartbeats), EventSource. */
import { eventSourceStream } from './event-stream.js';
import { heartbeatElection, lockElection, soloElection } from './election.js';
import type { ElectionChannel, ElectionMessage } from './election.js';
import { LiveHub } from './live-hub.js';
import type { Elect, HubChannel, HubMessage } from './live-hub.js';

interface Broadcast<M> {
  post(message: M): void;
  subscribe(fn: (message: M) => void): () => void;
  close(): void;
}

function broadcast<M>(name: string): Broadcast<M> {
  const channel = new BroadcastChannel(name);
  let closed = false;
  return {
    // Posting on a closed channel throws; a tab that is leaving has nothing left to say.
    post: (message) => {
      if (!closed) channel.postMessage(message);
    },
    subscribe(fn) {
      const listener = (e: MessageEvent<M>) => fn(e.data);
      channel.addEventListener('message', listener);
      return () => channel.removeEventListener('message', listener);
    },
    close: () => {
      closed = true;
      channel.close();
    },
  };
}

const silentChannel: HubChannel = { post: () => {}, subscribe: () => () => {} };

/** A hub for `userId`; tabs of another user in the same browser use other channels and locks. */
export function createBrowserHub(userId: string, onStreamGiveUp?: () => void): LiveHub {
  const scope = `switchboard-live:${userId}`;
  const hasBroadcast = typeof BroadcastChannel !== 'undefined';
  const channel: HubChannel = hasBroadcast ? broadcast<HubMessage>(scope) : silentChannel;

  let elect: Elect;
  if (typeof navigator !== 'undefined' && navigator.locks) {
    elect = lockElection(navigator.locks, scope);
  } else if (hasBroadcast) {
    const electionChannel: ElectionChannel = broadcast<ElectionMessage>(`${scope}:election`);
    elect = heartbeatElection({ channel: electionChannel });
  } else {
    elect = soloElection;
  }

  return new LiveHub({ userId, channel, elect, openStream: eventSourceStream('/api/v1/events', onStreamGiveUp) });
}
