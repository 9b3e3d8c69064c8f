/**
 * Many agents' live-event streams at once, each timing its events on arrival. Lighter than the test
 * helper's client: one parser per stream, no polling, and the arrival time taken before parsing.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface ArrivedEvent {
  /** Whose stream it came on. */
  stream: string;
  type: string;
  data: { call?: { externalId?: string | null } };
  /** performance.now() when its bytes arrived. */
  at: number;
}

export interface AgentStreams {
  events: ArrivedEvent[];
  close(): void;
}

/** Opens one stream per token (keyed by name) and resolves once every stream has sent its snapshot. */
export async function openAgentStreams(base: string, tokens: Map<string, string>): Promise<AgentStreams> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const events: ArrivedEvent[] = [];
  const responses: IncomingMessage[] = [];
  await Promise.all(
    [...tokens].map(
      ([stream, token]) =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            `${base}/api/v1/events`,
            { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
            (response) => {
              if (response.statusCode !== 200) reject(new Error(`the stream of ${stream} got ${response.statusCode}`));
              responses.push(response);
              let buffer = '';
              response.on('data', (chunk: Buffer) => {
                const at = performance.now();
                buffer += chunk.toString();
                let end;
                while ((end = buffer.indexOf('\n\n')) >= 0) {
                  const block = buffer.slice(0, end);
                  buffer = buffer.slice(end + 2);
                  const type = /^event: (.*)$/m.exec(block)?.[1];
                  const data = /^data: (.*)$/m.exec(block)?.[1];
                  if (type === 'snapshot') resolve();
                  else if (type && data)
                    events.push({ stream, type, data: JSON.parse(data) as ArrivedEvent['data'], at });
                }
              });
            },
          );
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  return {
    events,
    close() {
      for (const response of responses) response.destroy();
      agent.destroy();
    },
  };
}
