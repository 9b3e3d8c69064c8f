/** `switchboard connection …`: add, list, test, members and bind, on the same database a running hub uses. */
import type { Command } from 'commander';
import { connectionStatusViews } from '../runtime/connection-views.js';
import {
  bindExtension,
  createConnection,
  getConnection,
  getMembers,
  testConnection,
  toConnectionView,
  type WebhookUpdate,
} from '../runtime/connections.js';
import { HubError } from '../runtime/errors.js';
import { print } from './db-command.js';
import { withHub, withHubOptions, type HubFlags } from './hub-command.js';

interface AddFlags extends HubFlags {
  connector: string;
  name?: string;
  setting: string[];
}

export function addConnectionCommands(program: Command): void {
  const connection = program.command('connection').description('Manage connections to PBX providers');

  withHubOptions(
    connection
      .command('add')
      .description('Add a connection and print its webhook URL')
      .requiredOption('--connector <id>', 'connector type, e.g. fake or mango-office')
      .option('--name <name>', 'display name (default: the connector name)')
      .option('--setting <key=value>', 'a connector setting; repeat for more', collectSetting, []),
  ).action(async (flags: AddFlags) => {
    await withHub(flags, async (hub) => {
      const { connection: created, webhookUpdate } = await createConnection(hub, {
        connectorId: flags.connector,
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        settings: parseSettings(flags.setting),
      });
      const view = toConnectionView(hub, created);
      const json = {
        id: view.id,
        name: view.name,
        connectorId: view.connectorId,
        webhookUrl: view.webhookUrl,
        token: view.webhookToken,
        settings: view.settings,
        webhookUpdate,
      };
      const lines = [
        `Added connection "${view.name}" (${view.connectorId}), id ${view.id}`,
        `Webhook URL: ${view.webhookUrl}`,
        `Token: ${view.webhookToken}`,
        ...webhookUpdateLines(webhookUpdate),
      ];
      print(flags, json, lines.join('\n'));
    });
  });

  withHubOptions(connection.command('list').description('List connections with their webhook URLs')).action(
    async (flags: HubFlags) => {
      await withHub(flags, async (hub) => {
        const views = await connectionStatusViews(hub, await hub.store.connections.list());
        const text = views.map((view) =>
          [
            `${view.id}  ${view.name} (${view.connectorId})${view.enabled ? '' : ' [disabled]'}`,
            `  webhook URL: ${view.webhookUrl}`,
            `  last webhook: ${view.lastWebhookAt ?? 'none yet'}; errors in the last hour: ${view.errorsLastHour}`,
          ].join('\n'),
        );
        print(
          flags,
          views,
          text.length > 0 ? text.join('\n') : 'No connections yet: add one with `switchboard connection add`',
        );
      });
    },
  );

  withHubOptions(connection.command('test <id>').description('Test connection (exit code 1 when it fails)')).action(
    async (id: string, flags: HubFlags) => {
      await withHub(flags, async (hub) => {
        const result = await testConnection(hub, id);
        print(
          flags,
          result,
          result.success ? 'The connection works' : `The test failed: ${result.failReason ?? 'no reason given'}`,
        );
        if (!result.success) process.exitCode = 1;
      });
    },
  );

  withHubOptions(connection.command('members <id>').description("List the PBX's users (extensions)")).action(
    async (id: string, flags: HubFlags) => {
      await withHub(flags, async (hub) => {
        const members = await getMembers(hub, id);
        const text = members.map((member) => `${member.id}\t${member.label}`).join('\n');
        print(flags, members, text || 'The PBX lists no users');
      });
    },
  );

  withHubOptions(
    connection.command('bind <id> <extension> <email>').description("Ring this user at this extension's calls"),
  ).action(async (id: string, extension: string, email: string, flags: HubFlags) => {
    await withHub(flags, async (hub) => {
      const user = await hub.store.users.findByEmail(email);
      if (!user) {
        throw new HubError(
          'not_found',
          `There is no user with the email ${email}: add one with \`switchboard user add\``,
        );
      }
      const target = await getConnection(hub, id);
      const bindings = await bindExtension(hub, id, extension, user.id);
      const json = bindings.map((binding) => ({ extension: binding.extension, userId: binding.user_id }));
      print(flags, json, `Extension ${extension} of "${target.name}" now belongs to ${user.name} <${user.email}>`);
    });
  });
}

function collectSetting(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `key=value` pairs; the value may itself contain `=`. */
export function parseSettings(pairs: readonly string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new HubError('validation', `--setting takes key=value, not "${pair}"`, { field: 'settings' });
    }
    settings[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return settings;
}

function webhookUpdateLines(update: WebhookUpdate): string[] {
  if (update.ok) return [];
  return [`Warning: the provider was not told the webhook URL: ${update.message}`, 'Register the URL by hand.'];
}
