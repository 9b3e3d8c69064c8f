/** A small SSE client for tests against a listening hub: collects live events and waits for one. */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface EventStream {
  /** Live events in arrival order; the opening `snapshot` is left out. */
  events: Array<{ type: string; data: unknown; id?: number }>;
  types(): string[];
  /** The data of the first event of this type, waiting for it up to `timeoutMs`. */
  next(type: string, timeoutMs?: number): Promise<unknown>;
  close(): void;
}

export async function openEventStream(url: string, token: string): Promise<EventStream> {
  const events: EventStream['events'] = [];
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    httpRequest(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, resolve)
      .on('error', reject)
      .end();
  });
  let buffer = '';
  response.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      const id = /^id: (.*)$/m.exec(block)?.[1];
      if (type && data && type !== 'snapshot') {
        events.push({ type, data: JSON.parse(data) as unknown, ...(id ? { id: Number(id) } : {}) });
      }
    }
  });
  return {
    events,
    types: () => events.map((event) => event.type),
    async next(type, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((event) => event.type === type);
        if (found) return found.data;
        if (Date.now() > deadline) throw new Error(`no ${type} event; got ${events.map((e) => e.type).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => response.destroy(),
  };
}
