/** Tells the other tabs of this browser that the user signed in or out, so they follow at once. */
type SessionMessage = 'signed-in' | 'signed-out';

const NAME = 'switchboard-session';

export function announceSession(message: SessionMessage): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(NAME);
  channel.postMessage(message);
  channel.close();
}

export function onSessionMessage(listener: (message: SessionMessage) => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(NAME);
  channel.onmessage = (e: MessageEvent<unknown>) => {
    if (e.data === 'signed-in' || e.data === 'signed-out') listener(e.data);
  };
  return () => channel.close();
}
