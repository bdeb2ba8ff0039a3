/** Whether a server a test needs answered, and if not, why. */
export type Availability = { reachable: true } | { reachable: false; reason: string };

/**
 * The rule for tests that need a real server (PostgreSQL, Redis): locally, skip them with a printed reason
 * when the server is unreachable; under CI=true, fail instead, so CI never passes by skipping.
 * Returns whether to run, for `describe.runIf(...)`. Throwing at collection time fails the whole test file.
 */
export function requireServer(name: string, availability: Availability): boolean {
  if (availability.reachable) return true;
  if (process.env.CI === 'true') throw new Error(`${name} is required under CI=true but unreachable: ${availability.reason}`);
  console.warn(`Skipping ${name} tests: ${availability.reason} (under CI=true this fails)`);
  return false;
}

/** Runs a connection probe and turns its failure into an Availability. */
export async function probe(check: () => Promise<unknown>): Promise<Availability> {
  try {
    await check();
    return { reachable: true };
  } catch (err) {
    return { reachable: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
