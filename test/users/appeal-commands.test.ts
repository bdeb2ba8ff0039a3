/** `wecas user appeals` and `wecas user appeal <id> approve|reject`: what an administrator reads and what deciding does. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Cli, cliBackends, openCli } from './cli-harness.js';

for (const backend of await cliBackends()) {
  describe(`phone-change appeals on ${backend.name}`, () => {
    let cli: Cli;
    let drop: () => Promise<void>;
    afterEach(async () => {
      await cli?.close();
      await drop?.();
    });

    it('lists the waiting appeals, approves one (the number changes) and rejects another (it does not)', async () => {
      const db = await backend.database();
      drop = db.drop;
      cli = await openCli(db.url);
      const bob = await cli.wecas.users.create({ username: 'bob', phone: '+8613912345678' });
      const eve = await cli.wecas.users.create({ username: 'eve', phone: '+8613912340000' });
      const first = await cli.wecas.phoneAppeals.create({
        userId: bob.id,
        oldPhone: bob.phone,
        newPhone: '+8613900000001',
        reason: 'Phone lost',
        ip: '203.0.113.9',
      });
      const second = await cli.wecas.phoneAppeals.create({
        userId: eve.id,
        oldPhone: eve.phone,
        newPhone: '+8613900000002',
        reason: 'Stolen',
        ip: null,
      });

      expect(await cli.run('appeals')).toBe(0);
      const listing = cli.lines.join('\n');
      expect(listing).toMatch(/ID\s+ACCOUNT\s+OLD PHONE\s+NEW PHONE\s+STATUS/);
      expect(listing).toContain(first.id);
      expect(listing).toMatch(/bob\s+\+8613912345678\s+\+8613900000001\s+pending/);
      cli.lines.length = 0;

      expect(await cli.run('appeal', first.id, 'approve')).toBe(0);
      expect(cli.lines).toEqual([`Approved appeal ${first.id}: the account's number is changed.`]);
      expect((await cli.wecas.users.findById(bob.id))!.phone).toBe('+8613900000001');
      expect(await cli.run('appeal', second.id, 'reject')).toBe(0);
      expect((await cli.wecas.users.findById(eve.id))!.phone).toBe('+8613912340000');
      cli.lines.length = 0;

      expect(await cli.run('appeal', first.id, 'reject')).toBe(1);
      expect(cli.lines).toEqual([`error: no appeal ${first.id} is waiting for a decision`]);
      cli.lines.length = 0;
      expect(await cli.run('appeals')).toBe(0);
      expect(cli.lines).toEqual(['No appeals waiting.']);
      expect(await cli.run('appeal', first.id, 'maybe')).toBe(2);
    });
  });
}
