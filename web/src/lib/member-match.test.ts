import { describe, expect, it } from 'vitest';
import { buildMappingRows, nameTokens, rowsToBindings, suggestUser } from './member-match.js';

const users = [
  { id: 'anna', name: 'Anna Petrova', email: 'a.petrova@acme.ru' },
  { id: 'ivan', name: 'Иван Сидоров', email: 'ivan@acme.ru' },
  { id: 'fedor', name: 'Фёдор Ёлкин', email: 'f.elkin@acme.ru' },
  { id: 'anna2', name: 'Anna Smirnova', email: 'smirnova@acme.ru' },
  { id: 'oleg', name: 'Oleg', email: 'oleg@acme.ru' },
];

describe('suggestUser', () => {
  it.each<[string, string | null, 'email' | 'name' | null]>([
    ['Anna Petrova', 'anna', 'name'],
    ['Petrova Anna (101)', 'anna', 'name'],
    ['petrova, anna', 'anna', 'name'],
    ['Сидоров Иван', 'ivan', 'name'],
    ['Федор Елкин', 'fedor', 'name'],
    ['Reception <a.petrova@acme.ru>', 'anna', 'email'],
    ['IVAN@ACME.RU', 'ivan', 'email'],
    ['smirnova', 'anna2', 'email'],
    ['Oleg', 'oleg', 'email'],
    ['Oleg (reception)', 'oleg', 'name'],
    // "Anna" alone fits two users: no guess.
    ['Anna', null, null],
    ['Reception', null, null],
    ['101', null, null],
    ['', null, null],
  ])('%j → %s by %s', (label, userId, reason) => {
    const suggestion = suggestUser({ id: '101', label }, users);
    expect(suggestion).toEqual(userId ? { userId, reason } : null);
  });

  it('prefers the user whose whole name fits over one whose shorter name also fits', () => {
    const two = [
      { id: 'short', name: 'Anna', email: 'x@y' },
      { id: 'full', name: 'Anna Petrova', email: 'z@y' },
    ];
    expect(suggestUser({ id: '1', label: 'Anna Petrova' }, two)).toEqual({ userId: 'full', reason: 'name' });
  });

  it('splits names into comparable words', () => {
    expect(nameTokens('  Ёлкин-Палкин, Фёдор (ext. 101) ')).toEqual(['елкин', 'палкин', 'федор', 'ext', '101']);
  });
});

describe('buildMappingRows and rowsToBindings', () => {
  const members = [
    { id: '101', label: 'Anna Petrova' },
    { id: '102', label: 'Иван Сидоров' },
    { id: '103', label: 'Reception' },
  ];

  it('keeps saved bindings, suggests for the rest, and lists bindings the PBX no longer has', () => {
    const rows = buildMappingRows(
      members,
      [
        { extension: '102', userId: 'oleg' },
        { extension: '999', userId: 'fedor' },
      ],
      users,
    );
    expect(rows.map((r) => [r.extension, r.userId, r.suggestion?.reason ?? '-', r.stale])).toEqual([
      ['101', 'anna', 'name', false],
      ['102', 'oleg', '-', false],
      ['103', '', '-', false],
      ['999', 'fedor', '-', true],
    ]);
  });

  it('saves only rows with a user chosen', () => {
    const rows = buildMappingRows(members, [], users);
    expect(rowsToBindings(rows)).toEqual([
      { extension: '101', userId: 'anna' },
      { extension: '102', userId: 'ivan' },
    ]);
  });
});
