/**
 * Suggests which user a PBX member is, for the mapping table. A suggestion is only made when it is
 * unambiguous: two users who fit equally well give none, because a wrong binding sends someone
 * else's calls to an agent.
 */

export interface MatchUser {
  id: string;
  name: string;
  email: string;
}

export interface Suggestion {
  userId: string;
  reason: 'email' | 'name';
}

/** Lower case, `ё` as `е`, words of letters and digits only. */
export function nameTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function emailsIn(text: string): string[] {
  return (text.toLowerCase().match(/[^\s<>()"',;]+@[^\s<>()"',;]+/g) ?? []).map((e) => e.replace(/\.$/, ''));
}

function unique(candidates: MatchUser[]): MatchUser | null {
  return candidates.length === 1 ? candidates[0]! : null;
}

/**
 * The user a member most likely is: an email in the member's label (or its local part as the whole
 * label) beats a name; a name matches when all of the user's name words are in the label, in any
 * order ("Petrova Anna (101)" is Anna Petrova).
 */
export function suggestUser(member: { id: string; label: string }, users: readonly MatchUser[]): Suggestion | null {
  const emails = emailsIn(member.label);
  const labelWord = member.label.trim().toLowerCase();
  const byEmail = unique(
    users.filter((u) => {
      const email = u.email.toLowerCase();
      return emails.includes(email) || (labelWord !== '' && email.split('@')[0] === labelWord);
    }),
  );
  if (byEmail) return { userId: byEmail.id, reason: 'email' };

  const labelTokens = new Set(nameTokens(member.label.replace(/[^\s<>()"',;]+@[^\s<>()"',;]+/g, ' ')));
  if (labelTokens.size === 0) return null;
  const scored = users
    .map((user) => {
      const tokens = nameTokens(user.name);
      const fits = tokens.length > 0 && tokens.every((t) => labelTokens.has(t));
      return { user, score: fits ? tokens.length : 0 };
    })
    .filter((s) => s.score > 0);
  if (scored.length === 0) return null;
  const best = Math.max(...scored.map((s) => s.score));
  const winner = unique(scored.filter((s) => s.score === best).map((s) => s.user));
  return winner ? { userId: winner.id, reason: 'name' } : null;
}

export interface MappingRow {
  extension: string;
  label: string;
  /** The member is no longer on the PBX but a binding for it is saved. */
  stale: boolean;
  userId: string;
  suggestion: Suggestion | null;
}

/**
 * The rows of the mapping table: every member with its saved user, or a suggestion when it has
 * none; then saved bindings whose extension the PBX no longer reports, so they can be removed.
 */
export function buildMappingRows(
  members: ReadonlyArray<{ id: string; label: string }>,
  bindings: ReadonlyArray<{ extension: string; userId: string }>,
  users: readonly MatchUser[],
): MappingRow[] {
  const bound = new Map(bindings.map((b) => [b.extension, b.userId]));
  const rows: MappingRow[] = members.map((member) => {
    const saved = bound.get(member.id);
    const suggestion = saved ? null : suggestUser(member, users);
    return {
      extension: member.id,
      label: member.label,
      stale: false,
      userId: saved ?? suggestion?.userId ?? '',
      suggestion,
    };
  });
  const memberIds = new Set(members.map((m) => m.id));
  for (const binding of bindings) {
    if (!memberIds.has(binding.extension)) {
      rows.push({ extension: binding.extension, label: '', stale: true, userId: binding.userId, suggestion: null });
    }
  }
  return rows;
}

/** The bindings to save: rows with a user chosen. */
export function rowsToBindings(rows: readonly MappingRow[]): Array<{ extension: string; userId: string }> {
  return rows.filter((r) => r.userId).map((r) => ({ extension: r.extension, userId: r.userId }));
}
