/** Small building blocks shared by the pages. */
import { useEffect, useId, useRef, useState } from 'react';
import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { errorText } from '../api/api.js';
import { useI18n } from '../i18n/i18n-react.js';
import { Icon } from './icons.js';
import type { IconName } from './icons.js';
import { useToast } from './toasts.js';

type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger';

export function Button(
  props: ButtonHTMLAttributes<HTMLButtonElement> & {
    variant?: ButtonVariant;
    icon?: IconName;
    busy?: boolean;
    small?: boolean;
  },
) {
  const { variant = 'secondary', icon, busy, small, className, children, disabled, type = 'button', ...rest } = props;
  const classes = ['button', `button-${variant}`, small ? 'button-small' : '', className ?? ''].filter(Boolean);
  return (
    <button
      type={type}
      className={classes.join(' ')}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy ? <Spinner /> : icon ? <Icon name={icon} size={small ? 15 : 17} /> : null}
      {children}
    </button>
  );
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role={label ? 'status' : undefined} aria-label={label} />;
}

export function Loading() {
  const { t } = useI18n();
  return (
    <div className="loading">
      <Spinner label={t('common.loading')} />
      <span>{t('common.loading')}</span>
    </div>
  );
}

export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="note note-error" role="alert" data-testid="error-note">
      <Icon name="alert" />
      <span>{errorText(error, t)}</span>
      {onRetry ? (
        <Button small variant="ghost" icon="refresh" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      ) : null}
    </div>
  );
}

export function Empty({
  icon,
  title,
  hint,
  action,
}: {
  icon: IconName;
  title: string;
  hint?: string;
  action?: ReactNode;
}) {
  return (
    <div className="empty">
      <span className="empty-icon">
        <Icon name={icon} size={26} />
      </span>
      <strong>{title}</strong>
      {hint ? <p>{hint}</p> : null}
      {action}
    </div>
  );
}

export type Tone = 'neutral' | 'success' | 'warning' | 'danger' | 'info' | 'accent';

export function Badge({ tone = 'neutral', children, testId }: { tone?: Tone; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

export function PageHeader({
  title,
  back,
  actions,
  subtitle,
}: {
  title: ReactNode;
  back?: string;
  actions?: ReactNode;
  subtitle?: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <header className="page-header">
      <div className="page-title">
        {back ? (
          <a className="back-link" href={back} aria-label={t('common.back')}>
            <Icon name="back" />
          </a>
        ) : null}
        <div>
          <h1>{title}</h1>
          {subtitle ? <div className="page-subtitle">{subtitle}</div> : null}
        </div>
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Card({
  title,
  actions,
  children,
  className,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`card ${className ?? ''}`}>
      {title || actions ? (
        <div className="card-header">
          {title ? <h2>{title}</h2> : <span />}
          {actions ? <div className="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}

/** A labelled form row; the label points at the control through `htmlFor`. */
export function Field(props: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  children: (id: string) => ReactNode;
  required?: boolean;
}) {
  const id = useId();
  return (
    <div className={`field ${props.error ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>
        {props.label}
        {props.required ? (
          <span className="required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      <div className="field-control">
        {props.children(id)}
        {props.error ? (
          <div className="field-error">{props.error}</div>
        ) : props.hint ? (
          <div className="field-hint">{props.hint}</div>
        ) : null}
      </div>
    </div>
  );
}

export function Switch(props: {
  checked: boolean;
  onChange(checked: boolean): void;
  label: ReactNode;
  disabled?: boolean;
  testId?: string;
}) {
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.checked)}
        data-testid={props.testId}
      />
      <span className="switch-track" aria-hidden="true" />
      <span>{props.label}</span>
    </label>
  );
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API on plain HTTP: fall back to a selected textarea.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyField({ value, testId, label }: { value: string; testId: string; label: string }) {
  const { t } = useI18n();
  const notify = useToast();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <div className="copy-field">
      <input readOnly value={value} aria-label={label} data-testid={testId} onFocus={(e) => e.target.select()} />
      <button
        type="button"
        className="icon-button"
        title={t('common.copy')}
        aria-label={`${t('common.copy')}: ${label}`}
        data-testid={`${testId}-copy`}
        onClick={async () => {
          if (await copyText(value)) {
            setCopied(true);
            notify(t('common.copied'));
          } else {
            notify(t('error.copy'), 'error');
          }
        }}
      >
        <Icon name={copied ? 'check' : 'copy'} />
      </button>
    </div>
  );
}

export function Modal(props: {
  title: ReactNode;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const { onClose } = props;
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button:not(.modal-close)');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className={`modal ${props.wide ? 'modal-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        ref={ref}
        data-testid={props.testId}
      >
        <div className="modal-header">
          <h2>{props.title}</h2>
          <button type="button" className="icon-button modal-close" onClick={onClose} aria-label={t('common.close')}>
            <Icon name="close" />
          </button>
        </div>
        <div className="modal-body">{props.children}</div>
        {props.footer ? <div className="modal-footer">{props.footer}</div> : null}
      </div>
    </div>
  );
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: {
  title: string;
  text: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<void> | void;
  onClose(): void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <Modal
      title={props.title}
      onClose={props.onClose}
      testId="confirm-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            variant={props.danger ? 'danger' : 'primary'}
            busy={busy}
            data-testid="confirm-ok"
            onClick={async () => {
              setBusy(true);
              setError(undefined);
              try {
                await props.onConfirm();
                props.onClose();
              } catch (err) {
                setError(err);
                setBusy(false);
              }
            }}
          >
            {props.confirmLabel}
          </Button>
        </>
      }
    >
      <p>{props.text}</p>
      {error ? <ErrorNote error={error} /> : null}
    </Modal>
  );
}

export function LoadMore({ hasMore, busy, onClick }: { hasMore: boolean; busy: boolean; onClick(): void }) {
  const { t } = useI18n();
  if (!hasMore) return null;
  return (
    <div className="load-more">
      <Button variant="ghost" busy={busy} onClick={onClick} data-testid="load-more">
        {t('common.loadMore')}
      </Button>
    </div>
  );
}
