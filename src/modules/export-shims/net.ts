/** `node:net` for an exported script: only `isIP`, which settings checks use. */
export function isIP(input: string): 0 | 4 | 6 {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(input)) return 4;
  if (input.includes(':') && /^[0-9a-fA-F:.]+$/.test(input) && (input.match(/::/g) ?? []).length <= 1) {
    const groups = input.split(':');
    if (groups.length >= 3 && groups.length <= 8 && groups.every((g) => g.length <= 4 || g.includes('.'))) return 6;
  }
  return 0;
}
