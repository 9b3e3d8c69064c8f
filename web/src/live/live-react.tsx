import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { createBrowserHub } from './browser-hub.js';
import type { HubEventListener, LiveHub, StreamStatus } from './live-hub.js';
import { emptyLiveState } from './live-state.js';
import type { LiveState } from './live-state.js';

interface LiveContextValue {
  hub: LiveHub | null;
  state: LiveState;
  status: StreamStatus;
}

const LiveContext = createContext<LiveContextValue>({ hub: null, state: emptyLiveState, status: 'connecting' });

/** Runs this tab's part of the shared event stream while a user is signed in. */
export function LiveProvider(props: { userId: string; onStreamGiveUp?: () => void; children: ReactNode }) {
  const { userId, onStreamGiveUp, children } = props;
  const [hub, setHub] = useState<LiveHub | null>(null);
  const [state, setState] = useState<LiveState>(emptyLiveState);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const giveUpRef = useRef(onStreamGiveUp);
  giveUpRef.current = onStreamGiveUp;

  useEffect(() => {
    const created = createBrowserHub(userId, () => giveUpRef.current?.());
    const unsubscribe = created.subscribe((nextState, nextStatus) => {
      setState(nextState);
      setStatus(nextStatus);
    });
    created.start();
    setHub(created);
    setState(created.getState());
    setStatus(created.getStatus());
    // Closing the tab hands the stream to another tab at once instead of after the lock times out.
    const leave = () => created.stop();
    // A page restored from the back-forward cache has a stopped hub: start over cleanly.
    const restore = (e: PageTransitionEvent) => {
      if (e.persisted) window.location.reload();
    };
    window.addEventListener('pagehide', leave);
    window.addEventListener('pageshow', restore);
    return () => {
      window.removeEventListener('pagehide', leave);
      window.removeEventListener('pageshow', restore);
      unsubscribe();
      created.stop();
      setHub(null);
    };
  }, [userId]);

  return <LiveContext.Provider value={{ hub, state, status }}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveContextValue {
  return useContext(LiveContext);
}

/** Runs `listener` for every call event and snapshot, in every tab. */
export function useLiveEvents(listener: HubEventListener): void {
  const { hub } = useLive();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    if (!hub) return;
    return hub.onEvent((event) => ref.current(event));
  }, [hub]);
}
