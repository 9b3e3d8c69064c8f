/**
 * The AMI wire format (Asterisk Manager Interface, docs.asterisk.org → AMI): a greeting line
 * `Asterisk Call Manager/<version>`, then messages of `Key: Value` lines ended by CRLF, each message
 * ended by an empty line. Actions carry an `ActionID` that their response (and the events of an
 * event list) echo. Pure: no sockets here.
 */

/** One AMI message; keys lowercased (AMI matches them case-insensitively), values as sent. */
export type AmiMessage = Record<string, string>;

/** Asterisk's longest messages (CoreShowChannel, Cdr) are a few kB; anything far larger is not AMI. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Reads one message. Repeated keys keep the first value, except channel variables
 * (`ChanVariable: NAME=value`, or `ChanVariable(chan): NAME=value` before Asterisk 12), which are
 * stored as `var:name`. Undefined when the text is not an AMI message (no `Key: Value` line).
 */
export function parseAmiMessage(text: string): AmiMessage | undefined {
  if (text.length > MAX_MESSAGE_BYTES) return undefined;
  const message: AmiMessage = Object.create(null) as AmiMessage;
  let fields = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!/^[a-z][\w()/.-]*$/.test(key)) return undefined;
    fields++;
    if (key === 'chanvariable' || key.startsWith('chanvariable(')) {
      const equals = value.indexOf('=');
      if (equals > 0) message[`var:${value.slice(0, equals).toLowerCase()}`] = value.slice(equals + 1);
      continue;
    }
    if (!(key in message)) message[key] = value;
  }
  return fields > 0 ? message : undefined;
}

/** An action as sent: `Key: Value` lines and the empty line; CR and LF inside values are dropped. */
export function formatAmiAction(fields: ReadonlyArray<readonly [string, string]>): string {
  return `${fields.map(([key, value]) => `${key}: ${value.replace(/[\r\n]+/g, ' ')}`).join('\r\n')}\r\n\r\n`;
}

/** Splits a byte stream into messages; the greeting line, which has no empty line after it, comes out alone. */
export class AmiFramer {
  #buffer = '';
  #greeted = false;

  /** Feeds received text; returns the greeting (once) and the complete messages in it. */
  push(chunk: string): { greeting?: string; messages: string[] } {
    this.#buffer += chunk;
    let greeting: string | undefined;
    if (!this.#greeted) {
      const end = this.#buffer.indexOf('\n');
      if (end < 0) return { messages: [] };
      greeting = this.#buffer.slice(0, end).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(end + 1);
      this.#greeted = true;
    }
    const messages: string[] = [];
    for (;;) {
      const match = /\r?\n\r?\n/.exec(this.#buffer);
      if (!match) break;
      const text = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      if (text.trim() !== '') messages.push(`${text}\r\n`);
    }
    if (this.#buffer.length > MAX_MESSAGE_BYTES) throw new Error('AMI message too long');
    return greeting === undefined ? { messages } : { greeting, messages };
  }
}

/** An AMI `Timestamp` (Unix seconds with microseconds, when `timestampevents = yes`) as ISO-8601. */
export function amiTime(value: string | undefined): string | undefined {
  if (value === undefined || !/^\d{9,11}(\.\d{1,9})?$/.test(value)) return undefined;
  return new Date(Math.round(Number(value) * 1000)).toISOString();
}
