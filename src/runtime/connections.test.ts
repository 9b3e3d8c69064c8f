import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { createTestHub } from '../testing/test-hub.js';
import { contactForCaller, runnerFor } from './connections.js';
import { createContact } from './contacts.js';

describeEachDatabase('contactForCaller (ctx.lookupContact)', (getStore) => {
  it("names the caller's contact and the extension its owner has on this connection", async () => {
    const { hub, connection, admin, anna, boris } = await createTestHub(getStore());
    await createContact(hub, admin, { name: 'Acme, Ivan', phones: ['+7 495 123-45-67'], ownerId: boris.id });
    await createContact(hub, admin, { name: 'Walk-in', phones: ['+7 495 000-00-01'], ownerId: null });
    await createContact(hub, admin, { name: 'Admin’s own', phones: ['+7 495 000-00-02'], ownerId: admin.id });
    // A local spelling finds the E.164 number (the connection's default country is RU).
    expect(await contactForCaller(hub, connection, '8 (495) 123-45-67')).toEqual({
      name: 'Acme, Ivan',
      responsibleExtension: '102',
    });
    expect(await contactForCaller(hub, connection, '74950000001')).toEqual({ name: 'Walk-in' });
    // The owner has no extension on this connection: the PBX is not told whom to route to.
    expect(await contactForCaller(hub, connection, '+74950000002')).toEqual({ name: 'Admin’s own' });
    expect(await contactForCaller(hub, connection, '+79990000000')).toBeUndefined();
    expect(await contactForCaller(hub, connection, 'anonymous')).toBeUndefined();
    expect(anna.id).not.toBe(boris.id);
  });

  it('is what a module gets as ctx.lookupContact', async () => {
    const { hub, connection, admin, anna } = await createTestHub(getStore());
    await createContact(hub, admin, { name: 'Acme, Olga', phones: ['+74951234567'], ownerId: anna.id });
    const seen: unknown[] = [];
    const runner = runnerFor(hub, connection);
    const original = runner.definition;
    const probe = {
      ...original,
      create: (ctx: Parameters<typeof original.create>[0]) => ({
        ...original.create(ctx),
        async VoipTestConnection() {
          seen.push(await ctx.lookupContact?.('+74951234567'));
          return { success: true };
        },
      }),
    };
    Object.defineProperty(runner, 'definition', { value: probe });
    await runner.testConnection();
    expect(seen).toEqual([{ name: 'Acme, Olga', responsibleExtension: '101' }]);
  });
});
