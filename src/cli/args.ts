import { type ParseArgsConfig, parseArgs } from 'node:util';

/** The exit codes of every `wecas` command: done, refused (bad input, nothing changed), or a usage mistake. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where a command says what it did: stdout in the CLI, an array in tests. */
export interface Printer {
  print(line: string): void;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A refusal a person can act on (an unknown id, an invalid field): printed as `error: …`, exit code 1. */
export class CommandError extends Error {
  override name = 'CommandError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parseArgs, its complaints ("Unknown option '--pasword'") turned into usage errors. */
export function parseOptions<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Exactly one positional argument, named in the messages. */
export function onePositional(positionals: string[], name: string): string {
  const [value, extra] = positionals;
  if (value === undefined) throw new UsageError(`missing <${name}>`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  return value;
}

/** A whole number of at least `min`, or a usage error naming the option. */
export function wholeNumber(text: string, what: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text) || Number(text) < min) {
    throw new UsageError(
      min > Number.MIN_SAFE_INTEGER
        ? `${what} must be a whole number of at least ${min} (got "${text}")`
        : `${what} must be a whole number (got "${text}")`,
    );
  }
  return Number(text);
}

/**
 * Runs one command: a usage mistake prints the error and the usage (exit 2), a refusal prints the error (exit 1),
 * anything else is a failure of wecas itself and propagates.
 */
export async function runCommand(
  usage: readonly string[],
  out: Printer,
  command: () => Promise<number>,
  refusals: Array<new (...args: never[]) => Error> = [],
): Promise<number> {
  try {
    return await command();
  } catch (err) {
    if (err instanceof UsageError) {
      out.print(`error: ${err.message}`);
      for (const line of usage) out.print(line);
      return EXIT.usage;
    }
    if (err instanceof CommandError || refusals.some((kind) => err instanceof kind)) {
      out.print(`error: ${(err as Error).message}`);
      return EXIT.failed;
    }
    throw err;
  }
}

// CJK and full-width characters take two terminal columns; display names are often Chinese.
const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u;

function columns(text: string): number {
  let width = 0;
  for (const ch of text) width += WIDE.test(ch) ? 2 : 1;
  return width;
}

/**
 * Text as a terminal should show it: control characters (C0, DEL, C1) and bidirectional overrides written as
 * `\u001b`-style escapes. A WeChat nickname or an imported name reaches the CLI's output, and must not move the
 * cursor, recolour or retitle the terminal, or reorder the line it is printed on.
 */
export function showControlCharacters(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point here
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Left-aligned columns two spaces apart, wide characters counted as two, control characters shown as escapes
 * (showControlCharacters). The first row is the header.
 */
export function printTable(out: Printer, rows: string[][]): void {
  const shown = rows.map((cells) => cells.map(showControlCharacters));
  const widths = shown[0]?.map((_, i) => Math.max(...shown.map((r) => columns(r[i] ?? '')))) ?? [];
  for (const cells of shown)
    out.print(
      cells
        .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - columns(c)))
        .join('  ')
        .trimEnd(),
    );
}
