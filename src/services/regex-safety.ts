import ret, { type Root, reconstruct, type Token, types } from 'ret';
import isSafeRegex from 'safe-regex2';

// ret's typings say its default export is the module; Node loads its CommonJS build, whose exports are the parser itself.
const parseRegex = ret as unknown as (pattern: string) => Root;

/**
 * Why matching an administrator's regular expression (a service pattern, a proxy pattern) could take exponential
 * time, or undefined when it cannot. JavaScript's backtracking engine has no time limit: one such pattern and a
 * crafted URL would stall the whole server, every sign-in with it. The verdict is safe-regex2's (Fastify's):
 * no repetition inside a repetition, at most 25 repetitions. It is a rule of thumb: it refuses some harmless
 * patterns (`([a-z0-9-]+\.)*example\.org`) and misses some slow ones (overlapping alternatives such as `(a|aa)+`).
 *
 * One adjustment: safe-regex2 counts `?` as a repetition, which would refuse the commonest pattern there is, an
 * optional port or path (`(:[0-9]+)?`, `(/.*)?`). An optional part outside every repetition runs at most once, so
 * there it is read as the alternative it is (`(?:|…)`) before the check; inside a repetition `?` still counts.
 */
export function backtrackingRisk(pattern: string): string | undefined {
  let tree: Root;
  try {
    tree = parseRegex(pattern);
  } catch {
    return `cannot be checked for catastrophic backtracking (${pattern} uses syntax the checker does not read, such as a lookbehind); write it without`;
  }
  if (isSafeRegex(reconstruct(withOptionalPartsAsAlternatives(tree)))) return undefined;
  return `matching ${pattern} can take exponential time on a crafted URL (a repetition inside a repetition, as in (a+)+ or (x*y?)*, or more than 25 repetitions); write it without repeating a repeated part`;
}

/** The tree with every `?` (and `{0,1}`, `{1}`) that no repetition encloses turned into a non-capturing group. */
function withOptionalPartsAsAlternatives(tree: Root): Root {
  return { ...tree, ...children(tree) };
}

function children(node: { stack?: Token[]; options?: Token[][] }): { stack?: Token[]; options?: Token[][] } {
  return {
    ...(node.stack ? { stack: node.stack.map(rewrite) } : {}),
    ...(node.options ? { options: node.options.map((option) => option.map(rewrite)) } : {}),
  };
}

function rewrite(token: Token): Token {
  if (token.type === types.GROUP) return { ...token, ...children(token) };
  if (token.type !== types.REPETITION || token.max > 1) return token; // a real repetition: everything inside it counts
  const once = rewrite(token.value);
  const options = token.max === 0 ? [[]] : token.min === 0 ? [[], [once]] : [[once]];
  return { type: types.GROUP, remember: false, options };
}
