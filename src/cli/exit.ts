import { ConfigError } from '../config.js';

/** Exits with the command's code; a configuration a person must fix exits 2 with what to fix, anything else 1. */
export function exitWith(run: Promise<number | undefined>): void {
  run.then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (err: unknown) => {
      if (err instanceof ConfigError) {
        console.error(err.message);
        process.exit(2);
      }
      console.error(`wecas: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
