import { storageBackends } from './storage-backends.js';
import { describeTicketRegistryContract } from './ticket-registry.contract.js';

for (const backend of await storageBackends()) {
  describeTicketRegistryContract(
    backend.name,
    async () => {
      const { clock, storage, others, cleanup } = await backend.open();
      return { registry: storage.tickets, clock, others: others.map((o) => o.tickets), cleanup };
    },
    { skip: !backend.available, expiresOnItsOwnClock: backend.expiresOnItsOwnClock },
  );
}
