import { getEventListeners } from 'node:events';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  HttpResponse,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
  makeHeaders,
  type ConnectorContext,
  type ConnectorDefinition,
  type FetchRequest,
  type RecordingAudio,
  type VoipModule,
} from '../contract/index.js';
import { closedPort, listen, type TestServer } from '../testing/http-helpers.js';
import { MemoryStorage } from '../testing/memory-storage.js';
import { HubError } from './errors.js';
import { ModuleRunner, type ModuleRunnerOptions } from './module-runner.js';

const request: FetchRequest = {
  method: 'POST',
  url: 'https://hub.example/hooks/t1',
  path: '/',
  query: {},
  headers: makeHeaders({ 'Content-Type': 'application/json' }),
  body: '{}',
};

/** A connector whose functions (all optional here) come from the test; missing ones throw. */
function define(build: (ctx: ConnectorContext) => Partial<VoipModule>, hasWebhookUpdated = false): ConnectorDefinition {
  const missing = async () => {
    throw new Error('not used in this test');
  };
  return {
    id: 'test',
    name: 'Test PBX',
    docsUrl: 'docs/connectors/test.md',
    settings: [],
    hasWebhookUpdated,
    create: (ctx) => ({
      VoipTestConnection: missing,
      VoipGetMembers: missing,
      VoipParseWebhookRequest: missing,
      VoipGenerateCall: missing,
      VoipGetCallLink: missing,
      ...build(ctx),
    }),
  };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

function runner(definition: ConnectorDefinition, options: Partial<ModuleRunnerOptions> = {}) {
  return new ModuleRunner({
    connectionId: 'conn-1',
    definition,
    settings: { apiKey: 'k' },
    storage: new MemoryStorage(),
    logger: pino({ level: 'silent' }),
    webhookUrl: 'https://hub.example/hooks/t1',
    timeoutMs: 200,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<HubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HubError);
  return error as HubError;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('ModuleRunner', () => {
  it('passes valid results through and gives the module its context', async () => {
    const seen: ConnectorContext[] = [];
    const event = {
      event: VoipWebhookEvent.NotifyStart,
      direction: VoipCallDirection.In,
      srcPhone: '+74951234567',
      dstPhone: '101',
      disposition: VoipCallDisposition.Unknown,
      callId: 'c1',
    };
    const definition = define((ctx) => {
      seen.push(ctx);
      return {
        VoipTestConnection: async () => ({ success: false, failReason: 'bad key' }),
        VoipGetMembers: async () => [{ id: '101', label: 'Anna' }],
        VoipParseWebhookRequest: async () => ({ event, response: new HttpResponse().status(202).json({ ok: 1 }) }),
        VoipGenerateCall: async () => {},
        VoipGetCallLink: async (call: { link: string }) => call.link,
      };
    });
    const now = () => new Date('2026-03-01T00:00:00Z');
    const run = runner(definition, { now });
    expect(await run.testConnection()).toEqual({ success: false, failReason: 'bad key' });
    expect(await run.getMembers()).toEqual([{ id: '101', label: 'Anna' }]);
    const parsed = await run.parseWebhookRequest(request);
    expect(parsed.event).toEqual(event);
    expect(parsed.response).toBeInstanceOf(HttpResponse);
    expect(parsed.response).toMatchObject({ statusCode: 202, body: '{"ok":1}' });
    await expect(run.generateCall('101', '+1')).resolves.toBeUndefined();
    expect(await run.getCallLink({ link: 'https://rec.example/1.mp3' })).toBe('https://rec.example/1.mp3');
    expect(seen[0]).toMatchObject({ settings: { apiKey: 'k' }, webhookUrl: 'https://hub.example/hooks/t1', now });
    expect(seen[0]?.signal.aborted).toBe(false);
    expect(new Set(seen.map((ctx) => ctx.signal)).size).toBe(seen.length);
  });

  it('turns numeric member ids into strings', async () => {
    const definition = define(() => ({ VoipGetMembers: async () => [{ id: 101, label: 'Anna' }] as never }));
    expect(await runner(definition).getMembers()).toEqual([{ id: '101', label: 'Anna' }]);
  });

  it('times out a module that never answers', async () => {
    const definition = define(() => ({ VoipTestConnection: () => new Promise(() => {}) }));
    const started = performance.now();
    const error = await failure(runner(definition, { timeoutMs: 150 }).testConnection());
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('module_timeout');
    expect(error.statusCode).toBe(504);
    expect(error.message).toMatch(/^Test connection timed out after 150 ms\./);
    expect(runner(definition, { timeoutMs: undefined }).timeoutMs).toBe(10_000);
  });

  it('aborts the HTTP requests of a call that timed out', async () => {
    let closed!: () => void;
    const requestClosed = new Promise<void>((resolve) => (closed = resolve));
    const server = await listen((_req, res) => res.on('close', closed));
    servers.push(server);
    let signal: AbortSignal | undefined;
    const definition = define((ctx) => ({
      VoipGetMembers: async () => {
        signal = ctx.signal;
        await ctx.fetch(`${server.url}/users`);
        return [];
      },
    }));
    const error = await failure(runner(definition, { timeoutMs: 150 }).getMembers());
    expect(error.code).toBe('module_timeout');
    expect(error.message).toMatch(/^Loading the PBX users timed out after 150 ms/);
    await requestClosed;
    expect(signal?.aborted).toBe(true);
  });

  it('stops calls in flight when the host shuts down', async () => {
    const shutdown = new AbortController();
    const definition = define(() => ({ VoipGetMembers: () => new Promise(() => {}) }));
    const pending = failure(runner(definition, { timeoutMs: 5000, signal: shutdown.signal }).getMembers());
    shutdown.abort();
    const error = await pending;
    expect(error.code).toBe('internal');
    expect(error.message).toContain('Switchboard is shutting down');
  });

  it('leaves nothing attached to the host signal once a call is over', async () => {
    const host = new AbortController();
    let during = -1;
    const definition = define(() => ({
      VoipGetMembers: async () => {
        during = getEventListeners(host.signal, 'abort').length;
        return [];
      },
      VoipTestConnection: async () => {
        throw new Error('refused');
      },
    }));
    const run = runner(definition, { timeoutMs: 5000, signal: host.signal });
    for (let n = 0; n < 3; n++) await run.getMembers();
    await failure(run.testConnection());
    expect(during).toBe(1);
    // Anything left here would live as long as the hub: one per webhook.
    expect(getEventListeners(host.signal, 'abort')).toEqual([]);
  });

  it.each([
    ['an Error', new Error('cannot read property x of undefined'), 'cannot read property x of undefined'],
    ['a string', 'plain string thrown', 'plain string thrown'],
    ['an object', { reason: 'odd' }, '{"reason":"odd"}'],
  ])('reports a module that throws %s as module_failed, without a stack', async (_what, thrown, text) => {
    const definition = define(() => ({
      VoipGenerateCall: async () => {
        throw thrown;
      },
    }));
    const error = await failure(runner(definition).generateCall('101', '+1'));
    expect(error.code).toBe('module_failed');
    expect(error.statusCode).toBe(502);
    expect(error.message).toBe(
      `Starting the call failed: the connector 'Test PBX' stopped with an error: ${text}. The server log has the details.`,
    );
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(error.cause).toBe(thrown);
  });

  it('keeps the message of a ConnectorError, for the admin', async () => {
    const definition = define(() => ({
      VoipGetMembers: async () => {
        throw new ConnectorError('auth', 'The PBX rejected the API key: check it in the settings');
      },
    }));
    const error = await failure(runner(definition).getMembers());
    expect(error.toJSON()).toEqual({
      code: 'provider_error',
      message: 'The PBX rejected the API key: check it in the settings',
      details: { kind: 'auth' },
    });
  });

  it('names a required function the module lacks', async () => {
    const definition: ConnectorDefinition = { ...define(() => ({})), create: () => ({}) as VoipModule };
    const error = await failure(runner(definition).getCallLink({}));
    expect(error.code).toBe('module_failed');
    expect(error.message).toContain("The connector 'Test PBX' has no VoipGetCallLink function");
  });

  const event = { event: 'start', direction: 'in', srcPhone: '1', dstPhone: '101', disposition: 'unknown' };
  const record = { srcPhone: '1', dstPhone: '101', direction: 'in', duration: 5, disposition: 'answered', call: {} };
  const response = { statusCode: 200, body: '', headers: {} };
  it.each<[string, keyof VoipModule, unknown, string]>([
    [
      'members without ids',
      'VoipGetMembers',
      [{ label: 'a' }, { id: '', label: 'b' }, { id: null, label: 'c' }, { id: '1', label: 'd' }],
      'VoipGetMembers returned 3 members without an id',
    ],
    [
      'members that are not a list',
      'VoipGetMembers',
      { id: '1' },
      'VoipGetMembers returned an object instead of a list',
    ],
    [
      'members without labels and junk',
      'VoipGetMembers',
      [{ id: '1' }, 'x'],
      'VoipGetMembers returned 1 entry that is not an { id, label } object and 1 member without a text label',
    ],
    [
      'a test result without success',
      'VoipTestConnection',
      { success: 'yes' },
      "VoipTestConnection returned success 'yes' instead of true or false",
    ],
    [
      'a test result with a numeric reason',
      'VoipTestConnection',
      { success: false, failReason: 3 },
      'VoipTestConnection returned a failReason that is a number, not text',
    ],
    [
      'nothing from the parser',
      'VoipParseWebhookRequest',
      undefined,
      'VoipParseWebhookRequest returned nothing instead of { event, callRecord, response }',
    ],
    [
      'an unknown direction',
      'VoipParseWebhookRequest',
      { event: { ...event, direction: 'foo' } },
      "VoipParseWebhookRequest returned an event with an unknown direction 'foo' (expected one of in, out, internal)",
    ],
    [
      'an unknown event type',
      'VoipParseWebhookRequest',
      { event: { ...event, event: 'NOTIFY_START' } },
      "VoipParseWebhookRequest returned an event with an unknown event type 'NOTIFY_START' (expected one of start, answer, end)",
    ],
    [
      'a numeric phone',
      'VoipParseWebhookRequest',
      { event: { ...event, dstPhone: 101 } },
      'VoipParseWebhookRequest returned an event with a dstPhone that is a number, not text',
    ],
    [
      'a negative duration',
      'VoipParseWebhookRequest',
      { callRecord: { ...record, duration: -3 } },
      'VoipParseWebhookRequest returned a callRecord with duration -3 (expected seconds, from 0 to 604800)',
    ],
    [
      'a duration in milliseconds',
      'VoipParseWebhookRequest',
      { callRecord: { ...record, duration: 42_000_000 } },
      'VoipParseWebhookRequest returned a callRecord with duration 42000000 (expected seconds, from 0 to 604800)',
    ],
    [
      'a text duration',
      'VoipParseWebhookRequest',
      { callRecord: { ...record, duration: '42' } },
      "VoipParseWebhookRequest returned a callRecord with duration '42'",
    ],
    [
      'call data that is not JSON',
      'VoipParseWebhookRequest',
      { callRecord: { ...record, call: { id: 1n } } },
      'VoipParseWebhookRequest returned a callRecord with call data that cannot be stored as JSON',
    ],
    [
      'details holding an object',
      'VoipParseWebhookRequest',
      { callRecord: { ...record, details: { rating: { stars: 5 } } } },
      "VoipParseWebhookRequest returned a callRecord with details with 'rating': an object (expected a short name",
    ],
    [
      'details that are a list',
      'VoipParseWebhookRequest',
      { callRecord: { ...record, details: [5] } },
      'VoipParseWebhookRequest returned a callRecord with details that are a list, not an object',
    ],
    [
      'a bad status',
      'VoipParseWebhookRequest',
      { response: { ...response, statusCode: 99 } },
      'VoipParseWebhookRequest returned a response with status 99 (expected an HTTP status from 100 to 599)',
    ],
    [
      'a numeric body',
      'VoipParseWebhookRequest',
      { response: { ...response, body: 5 } },
      'VoipParseWebhookRequest returned a response with a body that is a number, not text',
    ],
    [
      'no headers',
      'VoipParseWebhookRequest',
      { response: { statusCode: 200, body: '' } },
      'VoipParseWebhookRequest returned a response with headers that are nothing, not an object',
    ],
    [
      'a relative call link',
      'VoipGetCallLink',
      '/rec/1.mp3',
      "VoipGetCallLink returned '/rec/1.mp3', which is not an http(s) URL",
    ],
    ['an empty call link', 'VoipGetCallLink', '', 'VoipGetCallLink returned nothing instead of a URL'],
  ])('refuses %s', async (_what, fn, value, message) => {
    const run = runner(define(() => ({ [fn]: async () => value })));
    const call = {
      VoipTestConnection: () => run.testConnection(),
      VoipGetMembers: () => run.getMembers(),
      VoipParseWebhookRequest: () => run.parseWebhookRequest(request),
      VoipGetCallLink: () => run.getCallLink({}),
    }[fn as string];
    const error = await failure(call!());
    expect(error.code).toBe('module_invalid_result');
    expect(error.message).toContain(message);
    expect(error.message).toContain("The connector 'Test PBX' needs fixing");
  });

  it("passes a record's details through", async () => {
    const details = { rating: 5, comment: 'polite', callback: false };
    const run = runner(
      define(() => ({ VoipParseWebhookRequest: async () => ({ callRecord: { ...record, details } }) as never })),
    );
    expect((await run.parseWebhookRequest(request)).callRecord?.details).toEqual(details);
  });

  it('drops absent optionals and accepts null for them', async () => {
    const run = runner(
      define(() => ({
        VoipParseWebhookRequest: async () => ({ event: { ...event, callId: null }, callRecord: null }) as never,
      })),
    );
    expect(await run.parseWebhookRequest(request)).toEqual({ event });
  });

  it('explains a provider that is down, for uncaught ctx.fetch and bare fetch alike', async () => {
    const port = await closedPort();
    const viaContext = define((ctx) => ({
      VoipGetMembers: async () => (await ctx.fetch(`http://127.0.0.1:${port}/x`)).json(),
    }));
    const bare = define(() => ({ VoipGetMembers: async () => (await fetch(`http://127.0.0.1:${port}/x`)).json() }));
    expect(await failure(runner(viaContext).getMembers())).toMatchObject({
      code: 'provider_error',
      message: `The provider at http://127.0.0.1:${port} did not answer: connection refused`,
      details: { kind: 'unreachable' },
    });
    expect(await failure(runner(bare).getMembers())).toMatchObject({
      code: 'provider_error',
      message: 'Loading the PBX users failed: the provider did not answer: connection refused',
    });
  });

  it('explains a provider URL that is not a URL', async () => {
    const definition = define((ctx) => ({
      VoipTestConnection: async () => {
        await ctx.fetch(`${String(ctx.settings.apiKey)}/ping`);
        return { success: true };
      },
    }));
    expect(await failure(runner(definition).testConnection())).toMatchObject({
      code: 'provider_error',
      message: "The provider URL 'k/ping' is not a valid URL: check the connection settings",
    });
  });

  it('runs VoipOnWebhookUpdated with the new URL, and says when there is none', async () => {
    const urls: string[] = [];
    const withHook = define(
      (ctx) => ({
        VoipOnWebhookUpdated: async (url: string) => {
          urls.push(url, ctx.webhookUrl);
        },
      }),
      true,
    );
    expect(await runner(withHook).onWebhookUpdated('https://hub.example/hooks/t2')).toEqual({ ran: true });
    expect(urls).toEqual(['https://hub.example/hooks/t2', 'https://hub.example/hooks/t2']);
    const observed: unknown[] = [];
    const without = runner(
      define(() => ({})),
      { observe: (...args) => observed.push(args) },
    );
    expect(await without.onWebhookUpdated('https://hub.example/hooks/t2')).toEqual({ ran: false });
    expect(observed).toEqual([]);
  });

  it('fetches a recording through the connector, checks what it gave, and says when there is no such capability', async () => {
    expect(await runner(define(() => ({}))).fetchRecording({ name: 'r1' })).toBeUndefined();
    const seen: unknown[] = [];
    const audio = (value: unknown) => ({
      ...define(() => ({})),
      fetchRecording: async (ctx: ConnectorContext, data: unknown) => {
        seen.push(data, typeof ctx.fetch);
        // What a plain JavaScript connector might return, whatever its type says.
        return value as RecordingAudio | undefined;
      },
    });
    const body = new ReadableStream<Uint8Array>();
    expect(
      await runner(audio({ contentType: 'audio/wav', contentLength: 44, body })).fetchRecording({ name: 'r1' }),
    ).toEqual({ contentType: 'audio/wav', contentLength: 44, body });
    expect(seen).toEqual([{ name: 'r1' }, 'function']);
    expect(await runner(audio(undefined)).fetchRecording({})).toBeUndefined();
    for (const [value, message] of [
      ['https://pbx.example/r1.wav', /instead of the audio/],
      [{ contentType: 'wav', body }, /not a media type/],
      [{ contentType: 'audio/wav', contentLength: -1, body }, /not a number of bytes/],
      [{ contentType: 'audio/wav', body: 'RIFF' }, /instead of a ReadableStream/],
    ] as const) {
      const error = await failure(runner(audio(value)).fetchRecording({}));
      expect(error.code).toBe('module_invalid_result');
      expect(error.message).toMatch(message);
    }
  });

  it('logs every call with connection id, function and duration; module logs carry them too', async () => {
    const { logger, lines } = capture();
    const definition = define((ctx) => ({
      VoipGetMembers: async () => {
        ctx.log.info('asking the PBX', { page: 1 });
        return [];
      },
      VoipTestConnection: async () => {
        throw new Error('boom');
      },
    }));
    const run = runner(definition, { logger });
    await run.getMembers();
    await run.testConnection().catch(() => {});
    expect(lines).toEqual([
      expect.objectContaining({
        connectionId: 'conn-1',
        connector: 'test',
        fn: 'VoipGetMembers',
        page: 1,
        msg: 'asking the PBX',
      }),
      expect.objectContaining({ connectionId: 'conn-1', fn: 'VoipGetMembers', ok: true, ms: expect.any(Number) }),
      expect.objectContaining({
        connectionId: 'conn-1',
        fn: 'VoipTestConnection',
        ok: false,
        code: 'module_failed',
        level: 40,
        err: expect.objectContaining({ message: 'boom' }),
      }),
    ]);
  });

  it('logs the raw result that failed the shape check', async () => {
    const { logger, lines } = capture();
    await runner(
      define(() => ({ VoipGetMembers: async () => [{ nope: 1 }] as never })),
      { logger },
    )
      .getMembers()
      .catch(() => {});
    expect(lines.at(-1)).toMatchObject({ code: 'module_invalid_result', result: '[{"nope":1}]' });
  });

  it('keeps secret settings and the webhook token out of the log, whatever the connector logs or throws', async () => {
    const { logger, lines } = capture();
    const base = define((ctx) => ({
      VoipGetMembers: async () => {
        ctx.log.info(`calling with salt ${String(ctx.settings.apiSalt)}`, {
          url: ctx.webhookUrl,
          nested: [ctx.settings],
        });
        return [{ id: ctx.settings.apiSalt }] as never;
      },
      VoipTestConnection: async () => {
        throw new Error(`refused at ${ctx.webhookUrl}`);
      },
    }));
    const definition = {
      ...base,
      settings: [{ key: 'apiSalt', type: 'string' as const, label: 'Salt', secret: true }],
    };
    const run = runner(definition, {
      logger,
      settings: { apiSalt: 'very-secret-salt' },
      webhookUrl: 'https://hub.example/hooks/c1/token-abcdef',
    });
    await run.getMembers().catch(() => {});
    await run.testConnection().catch(() => {});
    const logged = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(logged).toContain('calling with salt [redacted]');
    expect(logged).toContain('https://hub.example/hooks/c1/[redacted]');
    expect(logged).not.toContain('very-secret-salt');
    expect(logged).not.toContain('token-abcdef');
  });

  it('reports latency and outcome to the observer', async () => {
    const observed: Array<[string, string, number, boolean]> = [];
    const definition = define(() => ({
      VoipGetMembers: async () => [],
      VoipTestConnection: async () => {
        throw new Error('x');
      },
    }));
    const run = runner(definition, { observe: (...args) => observed.push(args) });
    await run.getMembers();
    await run.testConnection().catch(() => {});
    expect(observed).toEqual([
      ['conn-1', 'VoipGetMembers', expect.any(Number), true],
      ['conn-1', 'VoipTestConnection', expect.any(Number), false],
    ]);
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses a timeout of %s', (timeoutMs) => {
    expect(() =>
      runner(
        define(() => ({})),
        { timeoutMs },
      ),
    ).toThrow(expect.objectContaining({ code: 'validation', field: 'timeoutMs' }));
  });
});
