/**
 * What a browser gives the hub, in memory: a BroadcastChannel-like bus (asynchronous, never echoes
 * to the sender), Web Locks with a queue, and an SSE stream the test drives by hand.
 */
import type { Call, LiveEvent } from '../api/types.js';
import type { HubMessage, OpenStream, StreamHandlers, StreamStatus } from '../live/live-hub.js';

export function createBus<M = HubMessage>() {
  const members = new Set<{ listeners: Set<(m: M) => void> }>();
  return {
    join() {
      const member = { listeners: new Set<(m: M) => void>() };
      members.add(member);
      return {
        post(message: M) {
          if (!members.has(member)) return;
          const copy = structuredClone(message);
          for (const other of members) {
            if (other === member) continue;
            queueMicrotask(() => other.listeners.forEach((l) => l(copy)));
          }
        },
        subscribe(listener: (m: M) => void) {
          member.listeners.add(listener);
          return () => member.listeners.delete(listener);
        },
        close() {
          members.delete(member);
        },
      };
    },
  };
}

type Grant = () => Promise<unknown> | unknown;

/** `navigator.locks` for one lock name at a time: first come, first served; abortable while waiting. */
export class FakeLocks {
  private holder = false;
  private queue: Array<{ grant: Grant; done: (v: unknown) => void; fail: (e: unknown) => void; signal?: AbortSignal }> =
    [];

  request(_name: string, options: { signal?: AbortSignal }, grant: Grant): Promise<unknown> {
    return new Promise((done, fail) => {
      const entry = { grant, done, fail, signal: options.signal };
      options.signal?.addEventListener('abort', () => {
        const index = this.queue.indexOf(entry);
        if (index === -1) return;
        this.queue.splice(index, 1);
        fail(new DOMException('aborted', 'AbortError'));
      });
      this.queue.push(entry);
      this.pump();
    });
  }

  private pump() {
    if (this.holder) return;
    const next = this.queue.shift();
    if (!next) return;
    this.holder = true;
    Promise.resolve()
      .then(next.grant)
      .then(
        (value) => next.done(value),
        (error: unknown) => next.fail(error),
      )
      .finally(() => {
        this.holder = false;
        this.pump();
      });
  }
}

export interface FakeStream {
  handlers: StreamHandlers;
  closed: boolean;
  snapshot(calls: Call[]): void;
  event(event: LiveEvent): void;
  status(status: StreamStatus): void;
}

/** An `OpenStream` that records every stream opened, so a test can push into the open one. */
export function createStreams() {
  const opened: FakeStream[] = [];
  const open: OpenStream = (handlers) => {
    const stream: FakeStream = {
      handlers,
      closed: false,
      snapshot: (calls) => handlers.snapshot(calls),
      event: (e) => handlers.event(e),
      status: (s) => handlers.status(s),
    };
    opened.push(stream);
    return {
      close() {
        stream.closed = true;
      },
    };
  };
  return { open, opened, live: () => opened.filter((s) => !s.closed) };
}

/** Lets queued microtasks and zero-delay timers run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
