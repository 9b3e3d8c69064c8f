/**
 * `module export`: one self-contained ELMA365 script for a built-in connector. esbuild bundles the
 * connector with `elma-adapter.ts` into an IIFE, Node built-ins replaced by the pure-JavaScript shims
 * in export-shims/ (ELMA365 scripts cannot import anything), and top-level Voip functions are appended
 * that call into it, as ELMA365 expects them.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { ConnectorDefinition, SettingsField } from '../contract/index.js';
import { connectors, findConnector } from '../connectors/index.js';
import { ModuleError } from './module-error.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const SHIMS: Record<string, string> = {
  'node:crypto': here('./export-shims/crypto.ts'),
  crypto: here('./export-shims/crypto.ts'),
  'node:timers/promises': here('./export-shims/timers-promises.ts'),
  'node:net': here('./export-shims/net.ts'),
};

const FUNCTIONS = [
  'VoipTestConnection',
  'VoipGetMembers',
  'VoipParseWebhookRequest',
  'VoipGenerateCall',
  'VoipGetCallLink',
] as const;

/** Node built-ins become shims; one without a shim stops the export with what to do. */
function nodeShims(id: string): Plugin {
  return {
    name: 'switchboard-node-shims',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^(node:.*|crypto)$/ }, (args) => {
        const shim = SHIMS[args.path];
        if (shim) return { path: shim };
        return {
          errors: [
            {
              text: `The connector ${id} imports ${args.path}, which an ELMA365 script cannot use: add a shim in src/modules/export-shims/ and list it in script-export.ts`,
            },
          ],
        };
      });
    },
  };
}

export interface ExportedScript {
  source: string;
  /** The settings fields to create on the ELMA365 module's Settings tab. */
  settings: SettingsField[];
}

/** Bundles the built-in connector `id` (in `src/connectors/<id>/index.ts`) into one ELMA365 script. */
export async function exportConnector(id: string): Promise<ExportedScript> {
  const definition: ConnectorDefinition | undefined = findConnector(id);
  const entry = here(`../connectors/${id}/index.ts`);
  if (!definition || !existsSync(entry)) {
    throw new ModuleError(
      'connector',
      `There is no built-in connector ${id}; the built-in ones are ${connectors.map((c) => c.id).join(', ')}`,
    );
  }
  if (definition.eventSource) {
    // ELMA365 calls a module only for requests to its webhook URL; nothing there could hold a PBX connection.
    throw new ModuleError(
      'connector',
      `${definition.name} keeps its own connection to the PBX, which an ELMA365 module cannot: ELMA365 modules ` +
        'only receive webhooks. In ELMA365, use its own module for this PBX or a bridge that turns the events into webhooks.',
    );
  }
  const adapter = here('./elma-adapter.ts');
  const stdin = [
    `import * as connector from ${JSON.stringify(entry)};`,
    `import { voip } from ${JSON.stringify(adapter)};`,
    `const definition = Object.values(connector).find((v) => v && v.id === ${JSON.stringify(id)} && typeof v.create === 'function');`,
    `export const call = (fn, args) => voip(definition, fn, args);`,
  ].join('\n');
  let code: string;
  try {
    const result = await build({
      stdin: { contents: stdin, resolveDir: here('.'), loader: 'ts', sourcefile: 'export-entry.ts' },
      bundle: true,
      format: 'iife',
      globalName: '__switchboard',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2020',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      charset: 'utf8',
      inject: [here('./export-shims/buffer-global.ts')],
      plugins: [nodeShims(id)],
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const first = (error as { errors?: Array<{ text: string }> }).errors?.[0];
    throw new Error(`Exporting ${id} failed: ${first?.text ?? String(error)}`, { cause: error });
  }
  const functions = [...FUNCTIONS, ...(definition.hasWebhookUpdated ? (['VoipOnWebhookUpdated'] as const) : [])];
  const declarations = functions.map((fn) => {
    const params =
      fn === 'VoipParseWebhookRequest'
        ? 'request'
        : fn === 'VoipGenerateCall'
          ? 'srcPhone, dstPhone'
          : fn === 'VoipGetCallLink'
            ? 'callData'
            : fn === 'VoipOnWebhookUpdated'
              ? 'webhookUrl'
              : '';
    return `async function ${fn}(${params}) {\n  return __switchboard.call('${fn}', [${params}]);\n}`;
  });
  const fields = definition.settings
    .map((field) => ` *   ${field.key} (${field.type}${field.required ? ', required' : ''}) — ${field.label}`)
    .join('\n');
  const header = [
    '/**',
    ` * ${definition.name}: an ELMA365 telephony module exported from Switchboard (connector ${id}).`,
    " * Paste it into the module's Scripts tab as it is: it imports nothing, reads its settings from",
    ' * Namespace.params.data and keeps its state in Namespace.storage.',
    " * Settings fields to create on the module's Settings tab:",
    fields || ' *   none',
    ' */',
  ].join('\n');
  return { source: `${header}\n${code}\n${declarations.join('\n\n')}\n`, settings: definition.settings };
}

/** The settings fields as lines for stderr. */
export function describeSettings(settings: SettingsField[]): string {
  if (settings.length === 0) return 'The module has no settings fields.';
  const lines = settings.map(
    (f) =>
      `  ${f.key}: ${f.type === 'boolean' ? 'Yes/No' : f.type === 'number' ? 'Number' : 'String'}${f.required ? ', required' : ''}${f.secret ? ', secret' : ''} — ${f.label}`,
  );
  return `Create these settings fields on the ELMA365 module (Settings tab), with these exact codes:\n${lines.join('\n')}`;
}
