/**
 * A connector's settings schema as a form: initial values, validation and the PATCH payload.
 * Secrets are write-only: the form starts empty for them, and an empty secret is left out of the
 * payload so the server keeps the saved one.
 */
import type { SettingValue, SettingsField } from '../api/types.js';

export type FormValues = Record<string, string | boolean>;
export type FieldError = 'required' | 'number' | 'url';

export function isSecretSet(value: SettingValue | undefined): boolean {
  return typeof value === 'object' && value !== null && value.set === true;
}

export function initialValues(fields: readonly SettingsField[], saved?: Record<string, SettingValue>): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const current = saved?.[field.key];
    const value =
      field.secret || current === undefined || current === null || typeof current === 'object' ? undefined : current;
    // A required choice has no blank option, so the form starts on what the select shows.
    const firstChoice = field.required ? field.options?.[0]?.value : undefined;
    const fallback = value ?? (saved ? undefined : (field.default ?? firstChoice));
    values[field.key] = field.type === 'boolean' ? fallback === true : fallback === undefined ? '' : String(fallback);
  }
  return values;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Errors by field key; empty when the form can be saved. */
export function validateSettings(
  fields: readonly SettingsField[],
  values: FormValues,
  saved?: Record<string, SettingValue>,
): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  for (const field of fields) {
    if (field.type === 'boolean') continue;
    const text = String(values[field.key] ?? '').trim();
    if (text === '') {
      const keptSecret = field.secret && isSecretSet(saved?.[field.key]);
      if (field.required && !keptSecret) errors[field.key] = 'required';
      continue;
    }
    if (field.type === 'number' && !Number.isFinite(Number(text))) errors[field.key] = 'number';
    if (field.type === 'url' && !isHttpUrl(text)) errors[field.key] = 'url';
  }
  return errors;
}

/**
 * The settings to send. Numbers become numbers; an emptied optional field is sent as null so the
 * server clears it; an empty secret is omitted (keep the saved one).
 */
export function settingsPayload(fields: readonly SettingsField[], values: FormValues): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (field.type === 'boolean') {
      payload[field.key] = value === true;
      continue;
    }
    const text = String(value ?? '').trim();
    if (text === '') {
      if (!field.secret) payload[field.key] = null;
      continue;
    }
    payload[field.key] = field.type === 'number' ? Number(text) : text;
  }
  return payload;
}

/** Own numbers typed one per line (or separated by commas), without blanks and repeats. */
export function parseNumberList(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\n,;]+/)) {
    const number = part.trim();
    if (number) seen.add(number);
  }
  return [...seen];
}
