import type { Compilable, CompiledQuery } from 'kysely';

/** Each compiled-once statement's SQL, by the name PostgreSQL prepares it under (store/postgres.ts). */
const preparedNames = new Map<string, string>();

/**
 * The name of a compiled-once statement's SQL, under which a PostgreSQL connection prepares it once and then only
 * binds and executes it; undefined for any other SQL (built per call, its texts unbounded).
 */
export function preparedStatementName(sqlText: string): string | undefined {
  return preparedNames.get(sqlText);
}

/** Stands for a value given at each run; Kysely keeps it as a parameter like any other value. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * A query on a hot path, built and compiled by Kysely once, then run with new values. Building and compiling cost
 * more than SQLite's own work for a one-row statement (about a sixth of a SQLite validation's profile,
 * docs/benchmarks.md, fourth pass). `build` writes the query as usual, with `arg('name')` wherever a value varies
 * from run to run; the constants it writes stay as compiled. The SQL is the dialect of the `Db` the query is built on.
 */
export function compiledOnce<Args extends object, R>(
  build: (arg: (name: keyof Args & string) => never) => Compilable<R>,
): (values: Args) => CompiledQuery<R> {
  let compiled: CompiledQuery<R> | undefined;
  let slots: Array<keyof Args | undefined> = [];
  return (values) => {
    if (!compiled) {
      compiled = build((name) => new Slot(name) as never).compile();
      slots = compiled.parameters.map((p) => (p instanceof Slot ? (p.name as keyof Args) : undefined));
      if (!preparedNames.has(compiled.sql)) preparedNames.set(compiled.sql, `wecas_${preparedNames.size + 1}`);
    }
    const parameters = compiled.parameters.map((p, i) => {
      const name = slots[i];
      return name === undefined ? p : values[name];
    });
    return { ...compiled, parameters };
  };
}
