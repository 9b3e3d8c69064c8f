import { afterAll, describe, expect, it } from 'vitest';
import { connectors } from '../connectors/index.js';
import { providerKit } from '../testing/provider-kits.js';
import { checkScriptModule, formatReport } from '../testing/script-check.js';
import { exportConnector } from './script-export.js';
import { ScriptHost } from './script-host.js';
import { loadScriptModule } from './script-module.js';

const host = new ScriptHost();
afterAll(() => host.close());

describe('exported ELMA365 scripts', () => {
  for (const connector of connectors.filter((c) => !c.eventSource)) {
    it(
      `${connector.id}: the export loads back as a script module and passes module check`,
      { timeout: 90_000 },
      async () => {
        const exported = await exportConnector(connector.id);
        // Self-contained: nothing imported or required, the functions at the top level.
        expect(exported.source).not.toMatch(/^\s*(import|export)\s/m);
        expect(exported.source).not.toMatch(/\brequire\(\s*["']/);
        expect(exported.source).toMatch(/^async function VoipParseWebhookRequest\(request\)/m);
        expect(exported.settings).toEqual(connector.settings);
        const definition = await loadScriptModule(
          { id: `ext-${connector.id}`, name: connector.name, source: exported.source, settings: exported.settings },
          host,
        );
        expect(definition.hasWebhookUpdated).toBe(connector.hasWebhookUpdated);
        const kit = providerKit(connector.id);
        const report = await checkScriptModule(definition, kit);
        expect(report.passed, formatReport(report)).toBe(true);
        expect(report.outcomes.filter((o) => o.status === 'skipped')).toEqual(kit ? [] : expect.anything());
      },
    );
  }

  for (const connector of connectors.filter((c) => c.eventSource)) {
    it(`${connector.id}: refuses, saying that an ELMA365 module cannot keep a connection to the PBX`, async () => {
      await expect(exportConnector(connector.id)).rejects.toThrow(/only receive webhooks/);
    });
  }

  it('refuses to export a connector that is not built in', async () => {
    await expect(exportConnector('nope')).rejects.toThrow('There is no built-in connector nope');
  });
});

describe('module check', () => {
  it('says what failed and why', async () => {
    const source = `
      async function VoipTestConnection() { return { success: true }; }
      async function VoipGetMembers() { return [{ id: '1 01', label: 'Anna' }]; }
      async function VoipParseWebhookRequest(request) { return {}; }
      async function VoipGenerateCall(src, dst) {}
      async function VoipGetCallLink(data) { return 'not a url'; }
      async function VoipOnWebhookUpdated(url) {}
    `;
    const definition = await loadScriptModule({ id: 'ext-careless', name: 'Careless', source, settings: [] }, host);
    const report = await checkScriptModule(definition, providerKit('fake'));
    expect(report.passed).toBe(false);
    const failed = Object.fromEntries(
      report.outcomes.filter((o) => o.status === 'failed').map((o) => [o.name, o.detail ?? '']),
    );
    expect(failed['garbage gets a 4xx and no event']).toMatch(/status 200, expected 4xx/);
    expect(failed['members are usable extensions']).toMatch(/id '1 01' contains whitespace/);
    expect(failed['call records give their recording links']).toMatch(/callRecord: expected undefined to be defined/);
    expect(failed['the definition is well-formed']).toMatch(
      /the suite's settings have secret, which the connector does not declare/,
    );
    const text = formatReport(report);
    expect(text).toMatch(/^✓ Test connection succeeds$/m);
    expect(text).toMatch(/^✗ garbage gets a 4xx and no event$/m);
    expect(text).toMatch(/FAILED: \d+ passed, \d+ failed, 0 skipped$/);
  });
});
