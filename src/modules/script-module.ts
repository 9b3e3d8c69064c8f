/**
 * An ELMA365 script module as a connector: the same `ConnectorDefinition` the built-in connectors have,
 * so connections, webhooks, the runner's timeouts and the conformance suite treat both alike.
 */
import type { ConnectorContext, ConnectorDefinition, SettingsField, VoipModule } from '../contract/index.js';
import { ModuleError } from './module-error.js';
import { compileScript } from './script-compile.js';
import type { ScriptHost } from './script-host.js';

/** What the admin installs: the script and the settings fields its connections fill in. */
export interface ScriptModuleSpec {
  /** The connector id, `ext-…`. */
  id: string;
  name: string;
  source: string;
  settings: SettingsField[];
}

const REQUIRED = [
  'VoipTestConnection',
  'VoipGetMembers',
  'VoipParseWebhookRequest',
  'VoipGenerateCall',
  'VoipGetCallLink',
] as const;

/** Ids of script modules start with `ext-`, as ELMA365's custom module codes start with `ext_`. */
export const SCRIPT_ID_PREFIX = 'ext-';

/**
 * The connector id for a module name: `Gravitel PBX` → `ext-gravitel-pbx`.
 * @example scriptModuleId('Gravitel') // 'ext-gravitel'
 */
export function scriptModuleId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug === '') {
    throw new ModuleError('name', `The name '${name}' needs Latin letters or digits: the connector id is made of them`);
  }
  return `${SCRIPT_ID_PREFIX}${slug}`.slice(0, 64).replace(/-+$/, '');
}

/** Compiles the script, checks it declares the five required functions, and returns its connector. */
export async function loadScriptModule(spec: ScriptModuleSpec, host: ScriptHost): Promise<ConnectorDefinition> {
  const compiled = await compileScript(spec.source);
  const script = { id: spec.id, name: spec.name, ...compiled };
  let functions: string[];
  try {
    functions = await host.inspect(script);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModuleError('script', `The script fails while loading: ${reason}`, { cause: error });
  }
  const missing = REQUIRED.filter((fn) => !functions.includes(fn));
  if (missing.length > 0) {
    throw new ModuleError(
      'script',
      `The script has no ${missing.join(', ')}: an ELMA365 telephony module declares ${REQUIRED.join(', ')} as top-level functions`,
    );
  }
  const hasWebhookUpdated = functions.includes('VoipOnWebhookUpdated');
  const call =
    (ctx: ConnectorContext, fn: string) =>
    (...args: unknown[]) =>
      host.call(script, fn, args, ctx);
  return {
    id: spec.id,
    name: spec.name,
    docsUrl: 'docs/elma365.md',
    settings: spec.settings,
    hasWebhookUpdated,
    create(ctx) {
      const module = Object.fromEntries(REQUIRED.map((fn) => [fn, call(ctx, fn)])) as unknown as VoipModule;
      if (hasWebhookUpdated) {
        module.VoipOnWebhookUpdated = call(ctx, 'VoipOnWebhookUpdated') as VoipModule['VoipOnWebhookUpdated'];
      }
      return module;
    },
  };
}
