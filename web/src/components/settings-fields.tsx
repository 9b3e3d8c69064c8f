/** A connector's settings as form fields, generated from its schema. */
import type { SettingValue, SettingsField } from '../api/types.js';
import { useI18n } from '../i18n/i18n-react.js';
import { isSecretSet } from '../lib/settings-form.js';
import type { FieldError, FormValues } from '../lib/settings-form.js';
import { Field, Switch } from './ui.js';

export function SettingsFields(props: {
  fields: readonly SettingsField[];
  values: FormValues;
  errors: Record<string, FieldError>;
  saved?: Record<string, SettingValue>;
  onChange(key: string, value: string | boolean): void;
}) {
  const { t } = useI18n();
  const errorText = (error: FieldError | undefined) =>
    error === 'required'
      ? t('form.required')
      : error === 'number'
        ? t('form.number')
        : error === 'url'
          ? t('form.url')
          : null;

  return (
    <>
      {props.fields.map((field) => {
        const value = props.values[field.key];
        if (field.type === 'boolean') {
          return (
            <div className="field" key={field.key}>
              <span className="field-label-spacer" />
              <div className="field-control">
                <Switch
                  checked={value === true}
                  onChange={(checked) => props.onChange(field.key, checked)}
                  label={field.label}
                  testId={`setting-${field.key}`}
                />
                {field.help ? <div className="field-hint">{field.help}</div> : null}
              </div>
            </div>
          );
        }
        const secretSet = field.secret && isSecretSet(props.saved?.[field.key]);
        const hint = secretSet ? [t('settings.secretSet'), field.help].filter(Boolean).join(' ') : field.help;
        return (
          <Field
            key={field.key}
            label={field.label}
            required={field.required && !secretSet}
            hint={hint}
            error={errorText(props.errors[field.key])}
          >
            {(id) =>
              field.options ? (
                <select
                  id={id}
                  value={String(value ?? '')}
                  onChange={(e) => props.onChange(field.key, e.target.value)}
                  data-testid={`setting-${field.key}`}
                >
                  {field.required ? null : <option value="">—</option>}
                  {field.options.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  type={
                    field.secret
                      ? 'password'
                      : field.type === 'number'
                        ? 'number'
                        : field.type === 'url'
                          ? 'url'
                          : 'text'
                  }
                  value={String(value ?? '')}
                  placeholder={secretSet ? '••••••••' : field.default !== undefined ? String(field.default) : undefined}
                  autoComplete={field.secret ? 'new-password' : 'off'}
                  spellCheck={false}
                  onChange={(e) => props.onChange(field.key, e.target.value)}
                  data-testid={`setting-${field.key}`}
                />
              )
            }
          </Field>
        );
      })}
    </>
  );
}
