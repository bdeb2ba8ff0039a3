// The directory contract against wecas's own tables (SQLite).
import { createLocalDirectory } from '../../src/directories/local.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';
import { directoryContract } from './directory.contract.js';

directoryContract('local', async () => {
  const { db } = openDatabase('sqlite::memory:');
  await migrateToLatest(db);
  const users = new SqlUserStore(db, new ManualClock());
  const active = { login: 'zhangwei', password: 'pw-zhang-1', phone: '+8613812340001', displayName: '张伟', groups: ['students'] };
  const other = { login: 'lina', password: 'pw-lina-2', phone: '+8613812340002', displayName: '李娜', groups: ['staff'] };
  for (const a of [active, other])
    await users.create({ username: a.login, password: a.password, phone: a.phone, displayName: a.displayName, attributes: { memberOf: a.groups } });
  const gone = await users.create({ username: 'gone', password: 'pw-gone-3' });
  await users.setStatus(gone.id, 'disabled');
  return { directory: createLocalDirectory(users), active, other, disabled: { login: 'gone', password: 'pw-gone-3' }, close: () => db.destroy() };
});
