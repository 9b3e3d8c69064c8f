/**
 * A call recording that is only fetched when played: the link the provider gives may expire, so
 * asking for it early would show a dead player. When playing fails, the server is asked why and the
 * reason is shown instead of an empty player.
 */
import { useState } from 'react';
import { api, errorText } from '../api/api.js';
import { useI18n } from '../i18n/i18n-react.js';
import { Icon } from './icons.js';
import { Spinner } from './ui.js';

type PlayerState =
  | { phase: 'idle' }
  | { phase: 'playing' }
  | { phase: 'checking' }
  /** `url` when the server has the file but the browser could not play it: offered as a download. */
  | { phase: 'unavailable'; reason: string; url?: string };

export function RecordingPlayer({ callId }: { callId: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<PlayerState>({ phase: 'idle' });
  const streamUrl = `/api/v1/calls/${encodeURIComponent(callId)}/recording`;

  const explainFailure = async () => {
    setState({ phase: 'checking' });
    try {
      const result = await api.get<{ url?: string; error?: { message?: string } }>(
        `/calls/${encodeURIComponent(callId)}/recording`,
        { query: { format: 'json' } },
      );
      if (result?.url) setState({ phase: 'unavailable', reason: t('recording.unplayable'), url: result.url });
      else setState({ phase: 'unavailable', reason: result?.error?.message || t('recording.unplayable') });
    } catch (error) {
      setState({ phase: 'unavailable', reason: errorText(error, t) });
    }
  };

  if (state.phase === 'idle') {
    return (
      <button
        type="button"
        className="play-button"
        onClick={(e) => {
          e.stopPropagation();
          setState({ phase: 'playing' });
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
        {state.url ? (
          <a href={state.url} target="_blank" rel="noreferrer" onClick={(e) => e.stopPropagation()}>
            {t('recording.download')}
          </a>
        ) : null}
      </span>
    );
  }
  return (
    <audio
      className="recording-audio"
      src={streamUrl}
      controls
      autoPlay
      preload="auto"
      data-testid="recording-audio"
      onClick={(e) => e.stopPropagation()}
      onError={() => void explainFailure()}
    />
  );
}
