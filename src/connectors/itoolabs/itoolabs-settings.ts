import { ConnectorError } from '../../contract/index.js';
import type { SettingsField, SettingsValues } from '../../contract/index.js';

/** Operators reselling the ITooLabs PBX and the host each gives a customer's PBX (providers.md §3.1). */
export const ITOOLABS_OPERATORS = {
  megafon: { label: 'MegaFon', host: (name: string) => `https://${name}.megapbx.ru` },
  gravitel: { label: 'Gravitel', host: (name: string) => `https://${name}.gravitel.ru` },
  kcell: { label: 'Kcell', host: (name: string) => `https://${name}.vpbx.kcell.kz` },
  moldcell: { label: 'Moldcell', host: (name: string) => `https://${name}.pbx.moldcell.md` },
} as const;

export type ItoolabsOperator = keyof typeof ITOOLABS_OPERATORS;
export type ItoolabsGeneration = 'legacy' | 'rest';

export const itoolabsSettings: SettingsField[] = [
  {
    key: 'operator',
    type: 'string',
    label: 'Operator',
    default: 'megafon',
    options: [
      ...Object.entries(ITOOLABS_OPERATORS).map(([value, { label }]) => ({ value, label })),
      { value: 'custom', label: 'Another operator (give the PBX address)' },
    ],
  },
  {
    key: 'pbxName',
    type: 'string',
    label: 'PBX name',
    help: 'The first part of your PBX address: "acme" for https://acme.megapbx.ru.',
  },
  {
    key: 'apiUrl',
    type: 'url',
    label: 'PBX address (for another operator, or the emulator)',
    help: 'E.g. https://pbx.example.net; it overrides the operator and the PBX name.',
  },
  {
    key: 'apiGeneration',
    type: 'string',
    label: 'API',
    default: 'legacy',
    options: [
      { value: 'legacy', label: 'CRM API (/sys/crm_api.wcgp, every operator)' },
      { value: 'rest', label: 'REST CRM API v1 (/crmapi/v1, MegaFon)' },
    ],
  },
  {
    key: 'apiKey',
    type: 'string',
    label: 'PBX API key',
    required: true,
    secret: true,
    help: 'PBX cabinet → Integrations → your CRM: "Ключ для авторизации в API" (token, or X-API-KEY for REST).',
  },
  {
    key: 'crmToken',
    type: 'string',
    label: 'CRM token',
    required: true,
    secret: true,
    help: 'Any long random text; paste the same into the cabinet as "Ключ для авторизации в CRM". The PBX sends it with every push.',
  },
];

export interface ItoolabsSettings {
  /** The PBX origin without a trailing slash. */
  baseUrl: string;
  generation: ItoolabsGeneration;
  apiKey: string;
  crmToken: string;
}

export function readItoolabsSettings(values: SettingsValues): ItoolabsSettings {
  const apiKey = text(values.apiKey);
  const crmToken = text(values.crmToken);
  if (!apiKey)
    throw new ConnectorError('auth', 'The PBX API key is empty: copy it from the PBX cabinet → Integrations.');
  if (!crmToken) {
    throw new ConnectorError(
      'auth',
      'The CRM token is empty: choose one and paste the same into the PBX cabinet → Integrations.',
    );
  }
  const generation = text(values.apiGeneration) || 'legacy';
  if (generation !== 'legacy' && generation !== 'rest') {
    throw new ConnectorError('rejected', `Unknown API "${generation}": choose legacy or rest.`);
  }
  const operator = text(values.operator) || 'megafon';
  let raw = text(values.apiUrl);
  if (!raw) {
    if (!(operator in ITOOLABS_OPERATORS)) {
      throw new ConnectorError('rejected', `For operator "${operator}" give the PBX address.`);
    }
    const name = text(values.pbxName).toLowerCase();
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
      throw new ConnectorError(
        'rejected',
        `The PBX name "${name}" is not the first part of a PBX address (e.g. "acme" for acme.megapbx.ru).`,
      );
    }
    raw = ITOOLABS_OPERATORS[operator as ItoolabsOperator].host(name);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectorError('rejected', `The PBX address "${raw}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConnectorError('rejected', `The PBX address "${raw}" must start with https://`);
  }
  return { baseUrl: url.href.replace(/\/+$/, ''), generation, apiKey, crmToken };
}

function text(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value).trim();
}

/**
 * The `link` of a history push has no documented host; it is the operator's, so the PBX's domain and its
 * subdomains are allowed (acme.megapbx.ru → .megapbx.ru).
 */
export function itoolabsRecordingHosts(values: SettingsValues): string[] {
  try {
    const host = new URL(readItoolabsSettings(values).baseUrl).hostname;
    const labels = host.split('.');
    return labels.length > 2 ? [host, `.${labels.slice(-2).join('.')}`] : [host];
  } catch {
    return [];
  }
}
