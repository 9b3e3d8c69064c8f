/**
 * One event stream per browser, shared by every tab of the same user.
 *
 * One tab is the leader (elected by Web Locks, or by heartbeats where locks are missing): it alone
 * opens the SSE stream and forwards what arrives over a BroadcastChannel. Every tab runs the same
 * reducer over the same messages, so a call rings once per browser and a dismissal in one tab
 * closes the popup in all of them. A tab that opens late asks the leader for its state; when the
 * leader tab closes, another tab wins the election and reconnects, and the stream's `snapshot`
 * brings the live calls back.
 */
import type { Call, LiveEvent } from '../api/types.js';
import { emptyLiveState, reduceLive } from './live-state.js';
import type { LiveAction, LiveState } from './live-state.js';

export type StreamStatus = 'connecting' | 'live' | 'offline';

export type HubMessage =
  | { t: 'hello' }
  | { t: 'state'; state: LiveState; status: StreamStatus }
  | { t: 'snapshot'; calls: Call[] }
  | { t: 'event'; event: LiveEvent }
  | { t: 'status'; status: StreamStatus }
  | { t: 'dismiss'; callId: string };

/** A BroadcastChannel as the hub uses it: messages never come back to their sender. */
export interface HubChannel {
  post(message: HubMessage): void;
  subscribe(listener: (message: HubMessage) => void): () => void;
  close?(): void;
}

export interface StreamHandlers {
  snapshot(calls: Call[]): void;
  event(event: LiveEvent): void;
  status(status: StreamStatus): void;
}

export interface StreamHandle {
  close(): void;
}

export type OpenStream = (handlers: StreamHandlers) => StreamHandle;

export interface ElectionCallbacks {
  /** This tab now leads. */
  lead(): void;
  /** This tab no longer leads (another tab took over); it must close its stream. */
  resign(): void;
}

/** Starts taking part in an election; the returned function leaves it and releases leadership. */
export type Elect = (callbacks: ElectionCallbacks) => () => void;

export type HubListener = (state: LiveState, status: StreamStatus) => void;
/** Called for every stream message in every tab, so pages can refresh their lists. */
export type HubEventListener = (event: LiveEvent | { type: 'snapshot' }) => void;

export interface LiveHubOptions {
  userId: string;
  channel: HubChannel;
  elect: Elect;
  openStream: OpenStream;
}

export class LiveHub {
  private state: LiveState = emptyLiveState;
  private status: StreamStatus = 'connecting';
  private leader = false;
  private stream: StreamHandle | null = null;
  private readonly listeners = new Set<HubListener>();
  private readonly eventListeners = new Set<HubEventListener>();
  private cleanups: Array<() => void> = [];

  constructor(private readonly options: LiveHubOptions) {}

  start(): void {
    this.cleanups.push(this.options.channel.subscribe((message) => this.receive(message)));
    this.cleanups.push(
      this.options.elect({
        lead: () => this.becomeLeader(),
        resign: () => this.resign(),
      }),
    );
    if (!this.leader) this.options.channel.post({ t: 'hello' });
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
    this.resign();
    this.options.channel.close?.();
  }

  get isLeader(): boolean {
    return this.leader;
  }

  getState(): LiveState {
    return this.state;
  }

  getStatus(): StreamStatus {
    return this.status;
  }

  subscribe(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEvent(listener: HubEventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Closes a popup in every tab. */
  dismiss(callId: string): void {
    this.apply({ type: 'dismiss', callId });
    this.options.channel.post({ t: 'dismiss', callId });
  }

  private becomeLeader(): void {
    if (this.leader) return;
    this.leader = true;
    this.setStatus('connecting');
    this.stream = this.options.openStream({
      snapshot: (calls) => {
        this.apply({ type: 'snapshot', calls });
        this.options.channel.post({ t: 'snapshot', calls });
        this.emitEvent({ type: 'snapshot' });
      },
      event: (event) => {
        this.apply({ type: 'event', event });
        this.options.channel.post({ t: 'event', event });
        this.emitEvent(event);
      },
      status: (status) => {
        this.setStatus(status);
        this.options.channel.post({ t: 'status', status });
      },
    });
  }

  private resign(): void {
    this.leader = false;
    this.stream?.close();
    this.stream = null;
  }

  private receive(message: HubMessage): void {
    switch (message.t) {
      case 'hello':
        if (this.leader) this.options.channel.post({ t: 'state', state: this.state, status: this.status });
        return;
      case 'state':
        if (this.leader) return;
        this.state = message.state;
        this.status = message.status;
        this.notify();
        return;
      case 'snapshot':
        if (this.leader) return;
        this.apply({ type: 'snapshot', calls: message.calls });
        this.emitEvent({ type: 'snapshot' });
        return;
      case 'event':
        if (this.leader) return;
        this.apply({ type: 'event', event: message.event });
        this.emitEvent(message.event);
        return;
      case 'status':
        if (!this.leader) this.setStatus(message.status);
        return;
      case 'dismiss':
        this.apply({ type: 'dismiss', callId: message.callId });
        return;
    }
  }

  private apply(action: LiveAction): void {
    const next = reduceLive(this.state, action, this.options.userId);
    if (next === this.state) return;
    this.state = next;
    this.notify();
  }

  private setStatus(status: StreamStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.state, this.status);
  }

  private emitEvent(event: LiveEvent | { type: 'snapshot' }): void {
    for (const listener of this.eventListeners) listener(event);
  }
}
