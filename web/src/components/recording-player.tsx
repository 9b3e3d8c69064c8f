/**
 * A call recording that is only fetched when played: the link the provider gives may expire, so
 * asking for it early would show a dead player. When playing fails, the server is asked why and the
 * reason is shown instead of an empty player.
 */
import { useState } from 'react';
import { api, errorText } from '../api/api.js';
import { ApiError } from '../api/client.js';
import { useI18n } from '../i18n/i18n-react.js';
import { Icon } from './icons.js';
import { Spinner } from './ui.js';

type PlayerState =
  | { phase: 'idle' }
  | { phase: 'playing'; src: string; retried: boolean }
  | { phase: 'checking' }
  | { phase: 'unavailable'; reason: string };

export function RecordingPlayer({ callId }: { callId: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<PlayerState>({ phase: 'idle' });
  const streamUrl = `/api/v1/calls/${encodeURIComponent(callId)}/recording`;

  const explainFailure = async (retried: boolean) => {
    setState({ phase: 'checking' });
    try {
      const result = await api.get<{ url?: string; error?: { message?: string } }>(
        `/calls/${encodeURIComponent(callId)}/recording`,
        { query: { format: 'json' } },
      );
      if (result?.url && !retried) {
        // The server has a link: the redirect or the stream failed, so try the link itself once.
        setState({ phase: 'playing', src: result.url, retried: true });
        return;
      }
      setState({ phase: 'unavailable', reason: result?.error?.message || t('recording.unplayable') });
    } catch (error) {
      const reason = error instanceof ApiError && error.message ? error.message : errorText(error, t);
      setState({ phase: 'unavailable', reason });
    }
  };

  if (state.phase === 'idle') {
    return (
      <button
        type="button"
        className="play-button"
        onClick={(e) => {
          e.stopPropagation();
          setState({ phase: 'playing', src: streamUrl, retried: false });
        }}
        data-testid="recording-play"
        title={t('recording.play')}
      >
        <Icon name="play" size={14} />
        <span>{t('recording.play')}</span>
      </button>
    );
  }
  if (state.phase === 'checking') {
    return (
      <span className="recording-status">
        <Spinner /> {t('recording.checking')}
      </span>
    );
  }
  if (state.phase === 'unavailable') {
    return (
      <span className="recording-status recording-unavailable" data-testid="recording-unavailable" role="alert">
        <Icon name="alert" size={15} />
        {t('recording.unavailable', { reason: state.reason })}
      </span>
    );
  }
  return (
    <audio
      key={state.src}
      className="recording-audio"
      src={state.src}
      controls
      autoPlay
      preload="auto"
      data-testid="recording-audio"
      onClick={(e) => e.stopPropagation()}
      onError={() => void explainFailure(state.retried)}
    />
  );
}
