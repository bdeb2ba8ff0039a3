import { describeKeyValueStoreContract } from './kv-store.contract.js';
import { storageBackends } from './storage-backends.js';

for (const backend of await storageBackends()) {
  describeKeyValueStoreContract(
    backend.name,
    async () => {
      const { clock, storage, others, cleanup } = await backend.open();
      return { store: storage.kv, clock, others: others.map((o) => o.kv), cleanup };
    },
    { skip: !backend.available, expiresOnItsOwnClock: backend.expiresOnItsOwnClock },
  );
}
