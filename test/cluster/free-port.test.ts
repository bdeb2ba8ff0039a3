// freePort: a port no other test's listen(0) or outgoing connection can be handed while its server is being started.
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { freePort, pickableRange } from '../../scripts/cluster/processes.js';

it('picks a port outside the kernel ephemeral range, one that can be listened on', async () => {
  const [low, high] = pickableRange();
  const kernelPicked = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  expect(kernelPicked < low || kernelPicked > high).toBe(true);
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(low);
    expect(port).toBeLessThanOrEqual(high);
  }
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
  await new Promise((resolve) => server.close(resolve));
});
