/** Phone number comparisons that survive different spellings of the same number. */

/** The digits of a number, without `+`, spaces, dashes or brackets. */
export function phoneDigits(text: string): string {
  return text.replace(/\D/g, '');
}

/**
 * Whether two spellings are the same number: `+7 912 345-67-89`, `89123456789` and `+79123456789`
 * are. Numbers are compared on their last ten digits (a national number without its trunk or country
 * prefix); short numbers such as extensions must match exactly.
 */
export function phonesMatch(a: string, b: string): boolean {
  const x = phoneDigits(a);
  const y = phoneDigits(b);
  if (!x || !y) return false;
  if (x.length < 10 || y.length < 10) return x === y;
  return x.slice(-10) === y.slice(-10);
}

/**
 * Whether a contact's name is just its number: the hub names a contact it makes for an unknown
 * caller after the number, and showing that name over the same number says it twice.
 */
export function isNumberName(name: string, number: string | null | undefined): boolean {
  return isDialable(name) && (number ? phonesMatch(name, number) : true);
}

/** Whether the text looks like something one can dial: at least three digits and only phone punctuation. */
export function isDialable(text: string): boolean {
  return /^\+?[\d\s\-().]+$/.test(text.trim()) && phoneDigits(text).length >= 3;
}

/**
 * Whether the outgoing call a click-to-call asked for has shown up live: an outgoing call to the
 * same number that was not already live when the agent pressed Call.
 */
export function dialledCallAppeared(
  live: ReadonlyArray<{ id: string; direction: string; clientNumber: string }>,
  number: string,
  liveBefore: readonly string[],
): boolean {
  return live.some(
    (call) => call.direction === 'out' && !liveBefore.includes(call.id) && phonesMatch(call.clientNumber, number),
  );
}
