/** Every expiry in wecas reads time through a Clock, so tests can move time instead of waiting. */
export interface Clock {
  now(): number; // milliseconds since the epoch
}

export const systemClock: Clock = { now: () => Date.now() };
