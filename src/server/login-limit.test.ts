import { describe, expect, it } from 'vitest';
import { LoginLimit } from './login-limit.js';

describe('login limit', () => {
  const setup = () => {
    let now = 1_000_000;
    const limit = new LoginLimit({ maxFailures: 3, windowMs: 60_000, now: () => now });
    return { limit, advance: (ms: number) => (now += ms) };
  };

  it('refuses a pair after the allowed failures until its window ends', () => {
    const { limit, advance } = setup();
    for (let i = 0; i < 3; i++) {
      expect(limit.retryAfter('10.0.0.1', 'anna@example.com')).toBe(0);
      limit.fail('10.0.0.1', 'anna@example.com');
      advance(1000);
    }
    expect(limit.retryAfter('10.0.0.1', 'ANNA@example.com ')).toBe(57_000);
    advance(57_000);
    expect(limit.retryAfter('10.0.0.1', 'anna@example.com')).toBe(0);
  });

  it('counts each address and email separately', () => {
    const { limit } = setup();
    for (let i = 0; i < 3; i++) limit.fail('10.0.0.1', 'anna@example.com');
    expect(limit.retryAfter('10.0.0.2', 'anna@example.com')).toBe(0);
    expect(limit.retryAfter('10.0.0.1', 'boris@example.com')).toBe(0);
  });

  it('forgets the failures after a success', () => {
    const { limit } = setup();
    for (let i = 0; i < 2; i++) limit.fail('10.0.0.1', 'anna@example.com');
    limit.succeed('10.0.0.1', 'anna@example.com');
    for (let i = 0; i < 2; i++) limit.fail('10.0.0.1', 'anna@example.com');
    expect(limit.retryAfter('10.0.0.1', 'anna@example.com')).toBe(0);
  });
});
