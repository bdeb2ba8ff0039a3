// Time as the emulator sees it: the configured clock plus an offset tests can move forward.

export interface Clock {
  now(): number;
}

export class EmulatorClock implements Clock {
  readonly #base: Clock;
  #offsetMs = 0;

  constructor(base: Clock = { now: () => Date.now() }) {
    this.#base = base;
  }

  now(): number {
    return this.#base.now() + this.#offsetMs;
  }

  /** Moves time forward; expiry of QRs, codes and tokens is judged against the moved time. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.#offsetMs += ms;
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}
