/**
 * The settings fields of a script module, as the admin defines them on ELMA365's module Settings tab:
 * `--settings apiKey,endpoint` (text fields labelled by their key) or a JSON list of SettingsField.
 */
import type { SettingsField } from '../contract/index.js';
import { ModuleError } from './module-error.js';

const TYPES: ReadonlyArray<SettingsField['type']> = ['string', 'number', 'boolean', 'url'];
const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

function refuse(message: string): never {
  throw new ModuleError('settings', message);
}

/** `apiKey, endpoint` → two text fields. */
export function settingsFromKeys(keys: string): SettingsField[] {
  const list = keys
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  return checkSettingsFields(list.map((key) => ({ key, type: 'string', label: key })));
}

/** Checks a list of fields (from JSON or the API); the message names the field at fault. */
export function checkSettingsFields(value: unknown): SettingsField[] {
  if (!Array.isArray(value)) refuse('The settings must be a list of fields such as [{"key":"apiKey","type":"string"}]');
  const fields: SettingsField[] = [];
  for (const [i, item] of value.entries()) {
    const where = `Settings field ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) refuse(`${where} is not an object`);
    const raw = item as Record<string, unknown>;
    const unknown = Object.keys(raw).filter(
      (key) => !['key', 'type', 'label', 'required', 'secret', 'default', 'help', 'options'].includes(key),
    );
    if (unknown.length > 0) refuse(`${where} has unknown keys: ${unknown.join(', ')}`);
    if (typeof raw.key !== 'string' || !KEY.test(raw.key)) {
      refuse(`${where} needs a key of Latin letters and digits, as the script reads Namespace.params.data.<key>`);
    }
    if (fields.some((field) => field.key === raw.key)) refuse(`The settings field ${raw.key} is defined twice`);
    const type = raw.type ?? 'string';
    if (!TYPES.includes(type as SettingsField['type']))
      refuse(`${where} (${raw.key}) has type ${String(type)}; use one of ${TYPES.join(', ')}`);
    const field: SettingsField = {
      key: raw.key,
      type: type as SettingsField['type'],
      label: typeof raw.label === 'string' && raw.label.trim() !== '' ? raw.label : raw.key,
    };
    for (const flag of ['required', 'secret'] as const) {
      if (raw[flag] === undefined) continue;
      if (typeof raw[flag] !== 'boolean') refuse(`${where} (${raw.key}): ${flag} must be true or false`);
      field[flag] = raw[flag];
    }
    if (raw.help !== undefined) {
      if (typeof raw.help !== 'string') refuse(`${where} (${raw.key}): help must be text`);
      field.help = raw.help;
    }
    if (raw.default !== undefined) {
      const expected = field.type === 'number' ? 'number' : field.type === 'boolean' ? 'boolean' : 'string';
      if (typeof raw.default !== expected) refuse(`${where} (${raw.key}): the default must be a ${expected}`);
      field.default = raw.default as string | number | boolean;
    }
    if (raw.options !== undefined) {
      const options = raw.options;
      const valid =
        Array.isArray(options) &&
        options.every((o) => typeof o?.value === 'string' && typeof (o.label ?? o.value) === 'string');
      if (!valid) refuse(`${where} (${raw.key}): options must be a list of { value, label }`);
      field.options = (options as Array<{ value: string; label?: string }>).map((o) => ({
        value: o.value,
        label: o.label ?? o.value,
      }));
    }
    fields.push(field);
  }
  return fields;
}
