/**
 * Click-to-call from anywhere a number is shown. The PBX rings the agent's own phone first and
 * dials the client once the agent picks up, so the panel says so until the call shows up live.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { api, errorText } from '../api/api.js';
import type { Origination } from '../api/types.js';
import { useI18n } from '../i18n/i18n-react.js';
import { useLive } from '../live/live-react.js';
import { dialledCallAppeared, isDialable } from '../lib/phone.js';
import { useSession } from '../session.js';
import { Icon } from './icons.js';
import { Button, Spinner } from './ui.js';

type DialPhase = 'requesting' | 'ringing' | 'failed';

interface DialAttempt {
  id: number;
  number: string;
  phase: DialPhase;
  error?: string;
  originationId?: string;
  /** Live calls when the dial started: only a call that appears after it is this one. */
  before: string[];
}

interface Dialer {
  dial(number: string): void;
  /** The number being dialled right now, if any. */
  busyNumber: string | null;
  lines: string[];
  line: string | null;
  setLine(connectionId: string): void;
}

const DialerContext = createContext<Dialer | null>(null);

/** How long the "your phone rings first" note stays when the call never shows up. */
const RINGING_NOTE_MS = 60_000;
const ORIGINATION_POLL_MS = 2_000;

function lineKey(userId: string): string {
  return `switchboard.line:${userId}`;
}

export function DialerProvider({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const { t } = useI18n();
  const { state } = useLive();
  const [attempt, setAttempt] = useState<DialAttempt | null>(null);
  const nextId = useRef(1);
  const liveIds = useRef<string[]>([]);
  liveIds.current = state.calls.map((c) => c.call.id);

  const lines = useMemo(() => [...new Set(me.extensions.map((e) => e.connectionId))], [me.extensions]);
  const [storedLine, setStoredLine] = useState<string | null>(() => {
    try {
      return localStorage.getItem(lineKey(me.user.id));
    } catch {
      return null;
    }
  });
  const line = storedLine && lines.includes(storedLine) ? storedLine : (lines[0] ?? null);
  const setLine = useCallback(
    (connectionId: string) => {
      setStoredLine(connectionId);
      try {
        localStorage.setItem(lineKey(me.user.id), connectionId);
      } catch {
        // Private mode: the choice lasts for this page only.
      }
    },
    [me.user.id],
  );

  const dial = useCallback(
    (number: string) => {
      const id = nextId.current++;
      setAttempt({ id, number, phase: 'requesting', before: liveIds.current });
      // With one line the server picks it; with several, the agent's chosen one.
      const body = lines.length > 1 && line ? { to: number, connectionId: line } : { to: number };
      api.post<Origination>('/calls', body).then(
        (origination) =>
          setAttempt((a) => (a?.id === id ? { ...a, phase: 'ringing', originationId: origination.originationId } : a)),
        (error: unknown) =>
          setAttempt((a) => (a?.id === id ? { ...a, phase: 'failed', error: errorText(error, t) } : a)),
      );
    },
    [lines.length, line, t],
  );

  // The call appearing live (the popup takes over) or a minute of silence ends the note.
  useEffect(() => {
    if (attempt?.phase !== 'ringing') return;
    const appeared = dialledCallAppeared(
      state.calls.map((c) => c.call),
      attempt.number,
      attempt.before,
    );
    if (appeared) {
      setAttempt(null);
      return;
    }
    const timer = setTimeout(() => setAttempt((a) => (a?.id === attempt.id ? null : a)), RINGING_NOTE_MS);
    return () => clearTimeout(timer);
  }, [attempt, state.calls]);

  // The PBX may take the request and refuse it a moment later (Mango's /result/callback): ask until the call shows.
  const originationId = attempt?.phase === 'ringing' ? attempt.originationId : undefined;
  useEffect(() => {
    if (!originationId) return;
    const timer = setInterval(() => {
      api.get<Origination>(`/originations/${originationId}`).then(
        (origination) => {
          if (origination.status !== 'failed') return;
          const error = origination.error ?? t('dial.refused');
          setAttempt((a) => (a?.originationId === originationId ? { ...a, phase: 'failed', error } : a));
        },
        () => undefined,
      );
    }, ORIGINATION_POLL_MS);
    return () => clearInterval(timer);
  }, [originationId, t]);

  const value = useMemo<Dialer>(
    () => ({ dial, busyNumber: attempt?.phase === 'requesting' ? attempt.number : null, lines, line, setLine }),
    [dial, attempt, lines, line, setLine],
  );

  return (
    <DialerContext.Provider value={value}>
      {children}
      {attempt ? (
        <DialPanel attempt={attempt} onClose={() => setAttempt(null)} onRetry={() => dial(attempt.number)} />
      ) : null}
    </DialerContext.Provider>
  );
}

function DialPanel({ attempt, onClose, onRetry }: { attempt: DialAttempt; onClose(): void; onRetry(): void }) {
  const { t, fmt } = useI18n();
  const number = fmt.phone(attempt.number);
  return (
    <div
      className={`dial-panel dial-${attempt.phase}`}
      data-testid="dial-status"
      data-phase={attempt.phase}
      role="status"
      aria-live="polite"
    >
      <span className="dial-icon">
        {attempt.phase === 'requesting' ? (
          <Spinner />
        ) : (
          <Icon name={attempt.phase === 'failed' ? 'alert' : 'phone-out'} />
        )}
      </span>
      <div className="dial-text">
        <strong>{attempt.phase === 'failed' ? t('dial.failed', { number }) : t('dial.calling', { number })}</strong>
        <span data-testid="dial-status-text">
          {attempt.phase === 'requesting'
            ? t('dial.requesting')
            : attempt.phase === 'ringing'
              ? t('dial.ringsFirst')
              : attempt.error}
        </span>
      </div>
      {attempt.phase === 'failed' ? (
        <Button small variant="ghost" icon="refresh" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      ) : null}
      <button
        type="button"
        className="icon-button"
        onClick={onClose}
        aria-label={t('common.close')}
        data-testid="dial-status-close"
      >
        <Icon name="close" size={16} />
      </button>
    </div>
  );
}

export function useDialer(): Dialer {
  const dialer = useContext(DialerContext);
  if (!dialer) throw new Error('useDialer outside DialerProvider');
  return dialer;
}

/** A call button for one number: an icon, or a labelled button ("Call back"). */
export function CallButton(props: {
  number: string;
  label?: string;
  testId?: string;
  variant?: 'icon' | 'primary' | 'secondary';
}) {
  const { t, fmt } = useI18n();
  const { dial, busyNumber } = useDialer();
  const busy = busyNumber === props.number;
  const title = t('dial.callNumber', { number: fmt.phone(props.number) });
  if (props.label || (props.variant && props.variant !== 'icon')) {
    return (
      <Button
        small
        variant={props.variant === 'primary' ? 'primary' : 'secondary'}
        icon="phone"
        busy={busy}
        title={title}
        onClick={(e) => {
          e.stopPropagation();
          dial(props.number);
        }}
        data-testid={props.testId ?? 'call-button'}
        data-number={props.number}
      >
        {props.label ?? t('dial.call')}
      </Button>
    );
  }
  return (
    <button
      type="button"
      className="icon-button call-icon-button"
      title={title}
      aria-label={title}
      disabled={busy}
      onClick={(e) => {
        e.stopPropagation();
        dial(props.number);
      }}
      data-testid={props.testId ?? 'call-button'}
      data-number={props.number}
    >
      {busy ? <Spinner /> : <Icon name="phone" size={15} />}
    </button>
  );
}

/** A number as text with its call button next to it. */
export function PhoneNumber({ number, noCall }: { number: string; noCall?: boolean }) {
  const { fmt } = useI18n();
  return (
    <span className="phone-number">
      <span className="mono">{fmt.phone(number)}</span>
      {noCall || !isDialable(number) ? null : <CallButton number={number} />}
    </span>
  );
}
