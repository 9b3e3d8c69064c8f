/** `switchboard module …`: ELMA365 script modules: add, list, remove (and export, check). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HubError } from '../runtime/errors.js';
import { installScriptModule, listScriptModules, removeScriptModule } from '../runtime/script-modules.js';
import { settingsFromKeys } from '../modules/script-settings.js';
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

  withHubOptions(module.command('remove <id>').description('Remove a script module no connection uses')).action(
    async (id: string, flags: HubFlags) => {
      await withHub(flags, async (hub) => {
        await removeScriptModule(hub, hub.modules, id);
        print(flags, { id, removed: true }, `Removed ${id}`);
      });
    },
  );
}
