/** Raw webhook data made readable for the inbox. */

/** JSON indented; a string holding JSON is parsed first; other strings stay as they are. */
export function prettyJson(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

function headerValue(headers: unknown, name: string): string {
  if (!headers || typeof headers !== 'object') return '';
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '');
  }
  return '';
}

/**
 * A request body for reading: JSON indented; a form body (Mango Office signs one) as one
 * `name = value` line per field, with JSON values indented.
 */
export function prettyBody(body: string, headers: unknown): string {
  if (!body) return '';
  if (!headerValue(headers, 'content-type').includes('application/x-www-form-urlencoded')) return prettyJson(body);
  const lines: string[] = [];
  for (const [name, value] of new URLSearchParams(body)) {
    const shown = prettyJson(value);
    lines.push(shown.includes('\n') ? `${name} =\n${shown}` : `${name} = ${shown}`);
  }
  return lines.join('\n');
}
