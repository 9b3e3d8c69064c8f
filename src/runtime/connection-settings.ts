/**
 * A connection's settings against its connector's schema: typed, validated, secrets sealed at rest and
 * never shown again. Values may come as strings (CLI `--setting key=value`, forms) and are converted.
 */
import type { SettingsField, SettingsValues } from '../contract/index.js';
import { HubError } from './errors.js';
import type { SecretBox } from './secret-box.js';

type Value = string | number | boolean;

/** What the API shows for a secret: whether it is set, never its value. */
export type PublicSettings = Record<string, Value | { set: true } | null>;

/**
 * Merges `input` into `current` (stored, sealed) and returns what to store. A secret left out or sent
 * as `{set: true}` keeps its value; `null` or `''` clears any field.
 */
export function mergeSettings(
  fields: readonly SettingsField[],
  current: Record<string, unknown>,
  input: Record<string, unknown>,
  box: SecretBox,
): Record<string, Value> {
  const known = new Set(fields.map((field) => field.key));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) {
      throw new HubError('validation', `Unknown setting "${key}": this connector has ${[...known].join(', ')}`, {
        field: `settings.${key}`,
      });
    }
  }
  const result: Record<string, Value> = {};
  for (const field of fields) {
    const given = input[field.key];
    const kept = current[field.key];
    let value: Value | undefined;
    if (given === undefined || (field.secret && isSetMarker(given))) {
      value = kept === undefined || kept === null ? undefined : (kept as Value);
    } else if (given === null || given === '') {
      value = undefined;
    } else {
      value = convert(field, given);
      if (field.secret && typeof value === 'string') value = box.seal(value);
    }
    value ??= field.default;
    if (value === undefined) {
      if (field.required) {
        throw new HubError('validation', `${field.label} is required`, { field: `settings.${field.key}` });
      }
      continue;
    }
    result[field.key] = value;
  }
  return result;
}

/** The settings a module sees: secrets opened. */
export function openSettings(stored: Record<string, unknown>, box: SecretBox): SettingsValues {
  const values: SettingsValues = {};
  for (const [key, value] of Object.entries(stored)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      values[key] = typeof value === 'string' ? box.open(value) : value;
    }
  }
  return values;
}

export function publicSettings(fields: readonly SettingsField[], stored: Record<string, unknown>): PublicSettings {
  const shown: PublicSettings = {};
  for (const field of fields) {
    const value = stored[field.key];
    if (value === undefined || value === null) shown[field.key] = null;
    else shown[field.key] = field.secret ? { set: true } : (value as Value);
  }
  return shown;
}

function isSetMarker(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { set?: unknown }).set === true;
}

function convert(field: SettingsField, given: unknown): Value {
  const fail = (what: string): never => {
    throw new HubError('validation', `${field.label} must be ${what}`, { field: `settings.${field.key}` });
  };
  switch (field.type) {
    case 'number': {
      const number = typeof given === 'number' ? given : typeof given === 'string' ? Number(given) : NaN;
      return Number.isFinite(number) ? number : fail('a number');
    }
    case 'boolean':
      if (typeof given === 'boolean') return given;
      if (given === 'true' || given === '1' || given === 'yes') return true;
      if (given === 'false' || given === '0' || given === 'no') return false;
      return fail('true or false');
    case 'url':
      if (typeof given !== 'string' || !URL.canParse(given) || !/^https?:/.test(given)) {
        return fail('an http:// or https:// URL');
      }
      return given;
    case 'string': {
      if (typeof given !== 'string' && typeof given !== 'number') return fail('text');
      const text = String(given);
      if (field.options && !field.options.some((option) => option.value === text)) {
        return fail(`one of ${field.options.map((option) => option.value).join(', ')}`);
      }
      return text;
    }
  }
}
