import { describe, expect, it } from 'vitest';
import { axisTicks, niceCeiling } from './chart.js';
import { dialledCallAppeared, isDialable, isNumberName, phoneDigits, phonesMatch } from './phone.js';
import { prettyBody, prettyJson } from './pretty.js';

describe('phonesMatch', () => {
  it.each<[string, string, boolean]>([
    ['+7 912 345-67-89', '+79123456789', true],
    ['8 (912) 345-67-89', '+79123456789', true],
    ['9123456789', '+79123456789', true],
    ['+79123456780', '+79123456789', false],
    ['101', '101', true],
    ['101', '+79123450101', false],
    ['', '', false],
  ])('%j and %j: %s', (a, b, same) => {
    expect(phonesMatch(a, b)).toBe(same);
  });

  it('reads digits and dialability', () => {
    expect(phoneDigits('+7 (912) 345-67-89')).toBe('79123456789');
    expect(isDialable('+7 912 345-67-89')).toBe(true);
    expect(isDialable('101')).toBe(true);
    expect(isDialable('12')).toBe(false);
    expect(isDialable('anonymous')).toBe(false);
    expect(isDialable('')).toBe(false);
  });
});

describe('isNumberName', () => {
  it.each<[string, string | null, boolean]>([
    ['+79167770011', '+79167770011', true],
    ['+7 916 777-00-11', '+79167770011', true],
    ['+79167770011', null, true],
    ['+79167770011', '+79031234500', false],
    ['Elena Sokolova', '+79167770011', false],
    ['Elena Sokolova', null, false],
  ])('%j for %j: %s', (name, number, expected) => {
    expect(isNumberName(name, number)).toBe(expected);
  });
});

describe('dialledCallAppeared', () => {
  const call = (id: string, direction: string, clientNumber: string) => ({ id, direction, clientNumber });

  it.each<[string, ReturnType<typeof call>[], string[], boolean]>([
    ['a new outgoing call to the number', [call('n', 'out', '+79123456789')], [], true],
    ['the same number spelled another way', [call('n', 'out', '+7 912 345-67-89')], [], true],
    ['an outgoing call that was already live', [call('old', 'out', '+79123456789')], ['old'], false],
    ['an incoming call from the number', [call('n', 'in', '+79123456789')], [], false],
    ['an outgoing call to another number', [call('n', 'out', '+79990000000')], [], false],
    ['no live calls', [], [], false],
  ])('%s', (_name, live, before, expected) => {
    expect(dialledCallAppeared(live, '8 (912) 345-67-89', before)).toBe(expected);
  });
});

describe('chart axis', () => {
  it.each([
    [0, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [12, 20],
    [51, 100],
    [200, 200],
  ])('nice ceiling of %i is %i', (value, ceiling) => {
    expect(niceCeiling(value)).toBe(ceiling);
  });

  it.each<[number, number[]]>([
    [0, [0, 1]],
    [1, [0, 1]],
    [3, [0, 1, 2, 3]],
    [7, [0, 2, 4, 6, 8]],
    [20, [0, 5, 10, 15, 20]],
    [51, [0, 20, 40, 60]],
  ])('ticks up to %i are %j', (max, ticks) => {
    expect(axisTicks(max)).toEqual(ticks);
  });
});

describe('prettyBody and prettyJson', () => {
  it('indents JSON given as text or as a value, and leaves other text alone', () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson('plain text')).toBe('plain text');
    expect(prettyJson(null)).toBe('');
  });

  it('shows a form body field by field, with JSON fields indented', () => {
    const body = 'vpbx_api_key=k1&sign=abc&json=%7B%22call_state%22%3A%22Appeared%22%7D';
    expect(prettyBody(body, { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' })).toBe(
      'vpbx_api_key = k1\nsign = abc\njson =\n{\n  "call_state": "Appeared"\n}',
    );
  });

  it('treats a body without a form content type as JSON or text', () => {
    expect(prettyBody('a=1', { 'content-type': 'text/plain' })).toBe('a=1');
    expect(prettyBody('', {})).toBe('');
  });
});
