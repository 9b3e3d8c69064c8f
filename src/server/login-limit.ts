/**
 * Failed sign-ins per client address and email, in memory: after `maxFailures` within `windowMs`
 * the pair is refused until the window ends. A success clears the count. Per pair rather than per
 * email, so nobody can lock a colleague out from another machine.
 */
export interface LoginLimitOptions {
  maxFailures: number;
  windowMs: number;
  now: () => number;
}

interface Failures {
  count: number;
  /** When the window that started with the first failure ends. */
  resetAt: number;
}

/** Entries are pruned when the map grows past this, so a flood of guesses cannot grow memory forever. */
const PRUNE_ABOVE = 10_000;

export class LoginLimit {
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly options: LoginLimitOptions) {}

  /** Milliseconds until the pair may try again, or 0 when it may try now. */
  retryAfter(ip: string, email: string): number {
    const entry = this.current(keyOf(ip, email));
    return entry && entry.count >= this.options.maxFailures ? entry.resetAt - this.options.now() : 0;
  }

  fail(ip: string, email: string): void {
    const key = keyOf(ip, email);
    const entry = this.current(key);
    if (entry) entry.count += 1;
    else this.failures.set(key, { count: 1, resetAt: this.options.now() + this.options.windowMs });
    if (this.failures.size > PRUNE_ABOVE) this.prune();
  }

  succeed(ip: string, email: string): void {
    this.failures.delete(keyOf(ip, email));
  }

  private current(key: string): Failures | undefined {
    const entry = this.failures.get(key);
    if (entry && entry.resetAt <= this.options.now()) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }

  private prune(): void {
    const now = this.options.now();
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
  }
}

function keyOf(ip: string, email: string): string {
  return `${ip}\n${email.trim().toLowerCase()}`;
}
