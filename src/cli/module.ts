/** `switchboard module …`: ELMA365 script modules: add, list, remove (and export, check). */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { HubError } from '../runtime/errors.js';
import { installScriptModule, listScriptModules, removeScriptModule } from '../runtime/script-modules.js';
import type { SettingsValues } from '../contract/index.js';
import { findConnector } from '../connectors/index.js';
import { describeSettings, exportConnector } from '../modules/script-export.js';
import { ScriptHost } from '../modules/script-host.js';
import { loadScriptModule, scriptModuleId } from '../modules/script-module.js';
import { checkSettingsFields, settingsFromKeys } from '../modules/script-settings.js';
import { PROVIDER_KITS, providerKit } from '../testing/provider-kits.js';
import { print } from './db-command.js';
import { withHub, withHubOptions, type HubFlags } from './hub-command.js';

interface AddFlags extends HubFlags {
  script: string;
  name: string;
  settings?: string;
  settingsSchema?: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HubError(
      'validation',
      `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        field: what,
      },
    );
  }
}

/** The fields from `--settings a,b` or `--settings-schema file.json`; none without either. */
export function settingsOption(flags: { settings?: string; settingsSchema?: string }): unknown {
  if (flags.settings !== undefined && flags.settingsSchema !== undefined) {
    throw new HubError('validation', 'Give --settings or --settings-schema, not both', { field: 'settings' });
  }
  if (flags.settings !== undefined) return settingsFromKeys(flags.settings);
  if (flags.settingsSchema === undefined) return [];
  const text = readText(flags.settingsSchema, 'the settings schema');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HubError('validation', `${flags.settingsSchema} is not JSON: ${(error as Error).message}`, {
      field: 'settings',
    });
  }
}

interface CheckFlags {
  emulator?: string;
  settings?: string;
  settingsSchema?: string;
  setting: string[];
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Loads the file as a script module (not installed) and runs the suite, with the provider's kit when given. */
async function checkFile(file: string, flags: CheckFlags) {
  const source = readText(file, 'the script');
  // Loaded here, not at start: the checks use Vitest's assertions, which only this command needs.
  const { checkScriptModule } = await import('../testing/script-check.js');
  const kit = flags.emulator === undefined ? undefined : providerKit(flags.emulator);
  if (flags.emulator !== undefined && !kit) {
    throw new HubError(
      'validation',
      `There is no emulator for ${flags.emulator}; there are: ${PROVIDER_KITS.join(', ')}`,
      {
        field: 'emulator',
      },
    );
  }
  const given = settingsOption(flags);
  const fields =
    Array.isArray(given) && given.length > 0
      ? checkSettingsFields(given)
      : (findConnector(flags.emulator ?? '')?.settings ?? []);
  const values: SettingsValues = { ...kit?.settings };
  for (const pair of flags.setting) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new HubError('validation', `--setting ${pair} is not key=value`, { field: 'setting' });
    values[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const host = new ScriptHost();
  try {
    const definition = await loadScriptModule(
      { id: scriptModuleId(basename(file).replace(/\.[^.]+$/, '')), name: basename(file), source, settings: fields },
      host,
    );
    return await checkScriptModule(definition, kit, values);
  } finally {
    await host.close();
  }
}

export function addModuleCommands(program: Command): void {
  const module = program.command('module').description('ELMA365 script modules: install, export and check them');

  withHubOptions(
    module
      .command('add')
      .description('Install an ELMA365 telephony script as a connector and print its id')
      .requiredOption('--script <file>', 'the module script (.ts or .js), as written for ELMA365')
      .requiredOption('--name <name>', 'display name; the connector id is ext-<name>')
      .option('--settings <keys>', 'settings fields, comma-separated, e.g. apiKey,endpoint (Namespace.params.data)')
      .option('--settings-schema <file>', 'settings fields as a JSON list of {key, type, label, required, secret}'),
  ).action(async (flags: AddFlags) => {
    const source = readText(flags.script, 'the script');
    await withHub(flags, async (hub) => {
      const added = await installScriptModule(hub, hub.modules, {
        name: flags.name,
        source,
        settings: settingsOption(flags),
      });
      const fields = added.settings.map((field) => field.key).join(', ') || 'none';
      print(flags, added, `${added.id}\nInstalled "${added.name}" with settings: ${fields}`);
    });
  });

  withHubOptions(module.command('list').description('List the installed script modules')).action(
    async (flags: HubFlags) => {
      await withHub(flags, async (hub) => {
        const modules = await listScriptModules(hub, hub.modules);
        const lines = modules.map(
          (m) =>
            `${m.id}\t${m.name}\tsettings: ${m.settings.map((f) => f.key).join(', ') || 'none'}\tconnections: ${m.connections}`,
        );
        print(flags, modules, lines.length > 0 ? lines.join('\n') : 'No script modules installed');
      });
    },
  );

  module
    .command('export <connector-id>')
    .description('Write a built-in connector as one self-contained ELMA365 script to stdout')
    .action(async (id: string) => {
      const exported = await exportConnector(id);
      process.stdout.write(exported.source);
      process.stderr.write(`${describeSettings(exported.settings)}\n`);
    });

  module
    .command('check <file>')
    .description('Run the conformance suite against a script module and print what passed and failed')
    .option(
      '--emulator <provider>',
      `replay that provider's fixtures and call its emulator (${PROVIDER_KITS.join(', ')})`,
    )
    .option('--settings <keys>', "the script's settings fields, comma-separated (default: the provider's)")
    .option('--settings-schema <file>', 'settings fields as a JSON list')
    .option('--setting <key=value>', 'a setting value for the checks; repeat for more', collect, [])
    .option('--json', 'print the report as JSON')
    .action(async (file: string, flags: CheckFlags) => {
      const report = await checkFile(file, flags);
      const { formatReport } = await import('../testing/script-check.js');
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      if (!report.passed) process.exitCode = 1;
    });

  withHubOptions(module.command('remove <id>').description('Remove a script module no connection uses')).action(
    async (id: string, flags: HubFlags) => {
      await withHub(flags, async (hub) => {
        await removeScriptModule(hub, hub.modules, id);
        print(flags, { id, removed: true }, `Removed ${id}`);
      });
    },
  );
}
