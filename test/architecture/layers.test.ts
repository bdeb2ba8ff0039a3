// The layers show in the folders, and dependencies point inward: src/ never reaches the development root, the
// emulator or the examples; the protocol core and the domain know nothing of HTTP; the application layer knows
// nothing of Fastify; routes reach storage only through what they are given.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');

interface Import {
  file: string; // relative to the repository
  specifier: string;
  /** The file or package it names: a repository path for relative imports, the package name otherwise. */
  target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Static imports, side-effect imports, re-exports and dynamic import() calls with a literal specifier. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;
  const found: Import[] = [];
  for (const m of text.matchAll(pattern)) {
    const specifier = m[1] ?? m[2] ?? m[3]!;
    const target = specifier.startsWith('.')
      ? path.relative(ROOT, path.resolve(path.dirname(file), specifier))
      : specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/');
    found.push({ file: path.relative(ROOT, file), specifier, target });
  }
  return found;
}

const ALL = sourceFiles(SRC).flatMap(importsOf);

function importsFrom(folders: string[]): Import[] {
  return ALL.filter((i) => folders.some((f) => i.file.startsWith(`src/${f}/`)));
}

/** The violations of a rule, as `file → specifier` lines, so a failure names every offender. */
function offenders(imports: Import[], forbidden: (target: string) => boolean): string[] {
  return imports.filter((i) => forbidden(i.target)).map((i) => `${i.file} → ${i.specifier}`);
}

const DOMAIN = [
  'cas',
  'tickets',
  'users',
  'directories',
  'services',
  'sms',
  'wechat',
  'wecom',
  'weixin',
  'kv',
  'store',
  'audit',
  'observability',
  'mfa',
];
const isHttpPackage = (target: string) => target === 'fastify' || target.startsWith('@fastify/') || target === 'fastify-type-provider-zod';
const isIn = (folder: string) => (target: string) =>
  target === `src/${folder}` || target.startsWith(`src/${folder}/`) || target === `src/${folder}.js`;

describe('the layers of src/', () => {
  it('reads the imports it checks (the rules below see real code)', () => {
    expect(ALL.length).toBeGreaterThan(200);
    expect(ALL.some((i) => i.file === 'src/http/app.ts' && i.target === 'fastify')).toBe(true);
  });

  it('src/ imports nothing outside src/ but packages: not dev/, emulator/, examples/, test/ or bench/', () => {
    expect(offenders(ALL, (target) => /^(dev|emulator|examples|test|bench|scripts)(\/|$)/.test(target))).toEqual([]);
  });

  it('the protocol core and the domain know nothing of HTTP, the sign-in layer, the CLI or the composition root', () => {
    const forbidden = (t: string) => isHttpPackage(t) || isIn('http')(t) || isIn('login')(t) || isIn('cli')(t) || t === 'src/wecas.js';
    expect(offenders(importsFrom(DOMAIN), forbidden)).toEqual([]);
  });

  it('the sign-in layer knows nothing of Fastify, the HTTP wing or the CLI', () => {
    const forbidden = (t: string) => isHttpPackage(t) || isIn('http')(t) || isIn('cli')(t) || t === 'src/wecas.js';
    expect(offenders(importsFrom(['login']), forbidden)).toEqual([]);
  });

  it('the administration layer (wecas user …, later the admin API) knows nothing of Fastify, the HTTP wing, sign-in or the CLI', () => {
    const forbidden = (t: string) => isHttpPackage(t) || isIn('http')(t) || isIn('login')(t) || isIn('cli')(t) || t === 'src/wecas.js';
    expect(importsFrom(['admin']).length).toBeGreaterThan(0);
    expect(offenders(importsFrom(['admin']), forbidden)).toEqual([]);
  });

  it('routes reach storage only through the services they are given, never the stores themselves', () => {
    const forbidden = (t: string) => isIn('store')(t) || isIn('kv')(t) || t.endsWith('-registry.js') || t === 'src/users/store.js';
    expect(offenders(importsFrom(['http/routes']), forbidden)).toEqual([]);
  });
});
