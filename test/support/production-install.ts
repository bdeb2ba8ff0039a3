// A production install of the current working tree, made the way a deployment makes one, in a temporary directory:
// the compiled server (`scripts/build.mjs --out <dir>/dist`, the compile `npm run build` runs), bin/, package.json,
// package-lock.json and node_modules with dependencies only. node_modules is the repository's own, hard-linked
// (`cp -al`, a fraction of a second) and then pruned by npm itself (`npm prune --omit=dev`: no network, no native
// rebuild). Used by test/production/ and by the benchmark's idle-memory scenario.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, cp, mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** devDependencies that must never reach a production install (what development and tests run on). */
export const DEV_ONLY_PACKAGES = ['tsx', 'vitest', 'typescript', 'fast-xml-parser'] as const;

export interface ProductionInstall {
  /** The install's root: run `node bin/wecas.js …` with this as the working directory. */
  dir: string;
  /** What `npm prune --omit=dev` printed (stdout and stderr). */
  npmOutput: string;
  /** Lockfile entries marked `dev` that are still in node_modules (must be none). */
  devPackagesPresent: string[];
  /** Lockfile entries needed in production (not dev, not optional) that are missing (must be none). */
  productionPackagesMissing: string[];
  /** Packages directly under node_modules (scoped ones as `@scope/name`). */
  topLevelPackages: string[];
  /** How long each step took, in ms. */
  timings: { build: number; link: number; prune: number };
  /** Deletes the install. */
  remove(): Promise<void>;
}

export class ProductionInstallError extends Error {
  override name = 'ProductionInstallError';
}

/**
 * Builds and installs the working tree into a new temporary directory (under `parentDir`, default the system's
 * temporary directory, which must be on the repository's file system for hard links). Throws, having removed the
 * directory, when a step fails, when npm warned of an engine mismatch (EBADENGINE), or when the pruned
 * node_modules is not exactly the production dependencies of package-lock.json.
 */
export async function createProductionInstall(options: { parentDir?: string } = {}): Promise<ProductionInstall> {
  const dir = await mkdtemp(path.join(options.parentDir ?? tmpdir(), 'wecas-production-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const timings = { build: 0, link: 0, prune: 0 };
    const timed = async <T>(step: keyof typeof timings, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        timings[step] = Math.round(performance.now() - started);
      }
    };

    const hiddenLockfile = path.join(REPO_ROOT, 'node_modules', '.package-lock.json');
    const hiddenLockfileBefore = await fingerprint(hiddenLockfile);
    await Promise.all([
      timed('build', () =>
        run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--out', path.join(dir, 'dist')], { cwd: REPO_ROOT }),
      ),
      timed('link', async () => {
        // A git worktree's node_modules may be a symlink to the main checkout's: link the files of the real directory,
        // or the copy would be that symlink, and the steps below would delete the main checkout's hidden lockfile and
        // let npm prune its dev dependencies.
        const modules = await realpath(path.join(REPO_ROOT, 'node_modules'));
        await run('cp', ['-al', modules, path.join(dir, 'node_modules')], { cwd: REPO_ROOT });
        // npm rewrites its hidden lockfile in place (open with O_TRUNC, not a new file and a rename): through a hard
        // link that would rewrite the repository's own node_modules/.package-lock.json. Give the install a copy.
        if (existsSync(hiddenLockfile)) {
          await rm(path.join(dir, 'node_modules', '.package-lock.json'));
          await copyFile(hiddenLockfile, path.join(dir, 'node_modules', '.package-lock.json'));
        }
      }),
      cp(path.join(REPO_ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true }),
      copyFile(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json')),
      copyFile(path.join(REPO_ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json')),
    ]);

    const { output: npmOutput } = await timed('prune', () =>
      run(
        'npm',
        // --prefix: this directory and nothing else, even if an npm_config_* variable names another project.
        [
          'prune',
          '--omit=dev',
          '--prefix',
          dir,
          '--offline',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--no-update-notifier',
          '--loglevel=warn',
        ],
        { cwd: dir, env: npmEnvironment() },
      ),
    );
    if (/EBADENGINE/.test(npmOutput)) throw new ProductionInstallError(`npm prune warned of an engine mismatch (EBADENGINE):\n${npmOutput}`);
    if ((await fingerprint(hiddenLockfile)) !== hiddenLockfileBefore)
      throw new ProductionInstallError(`${hiddenLockfile} changed while the production install was pruned`);

    const lock = JSON.parse(await readFile(path.join(dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    const devPackagesPresent: string[] = [];
    const productionPackagesMissing: string[] = [];
    for (const [location, entry] of Object.entries(lock.packages)) {
      if (!location.startsWith('node_modules/')) continue;
      const present = existsSync(path.join(dir, location));
      // `devOptional` (needed by dev and optional dependencies) is kept by --omit=dev; only `dev` goes.
      if (entry.dev && present) devPackagesPresent.push(location);
      if (!entry.dev && !entry.devOptional && !entry.optional && !present) productionPackagesMissing.push(location);
    }
    const topLevelPackages = listPackages(path.join(dir, 'node_modules'));
    const devOnlyPresent = DEV_ONLY_PACKAGES.filter((name) => topLevelPackages.includes(name));
    if (devPackagesPresent.length > 0 || productionPackagesMissing.length > 0 || devOnlyPresent.length > 0) {
      throw new ProductionInstallError(
        `the pruned node_modules is not the production dependencies: dev packages present ${JSON.stringify([...devOnlyPresent, ...devPackagesPresent])}, ` +
          `production packages missing ${JSON.stringify(productionPackagesMissing)}\n${npmOutput}`,
      );
    }
    if (!existsSync(path.join(dir, 'dist', 'cli', 'main.js'))) throw new ProductionInstallError('the build wrote no dist/cli/main.js');

    return { dir, npmOutput, devPackagesPresent, productionPackagesMissing, topLevelPackages, timings, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** The environment for npm: without the npm_* variables an `npm test` or `npm run bench` hands its scripts. */
function npmEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^npm_/i.test(key) || key === 'NODE_ENV' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return env;
}

/** Names of the packages in a node_modules directory (`@scope/name` for scoped ones; .bin and dot files left out). */
function listPackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@') && entry.isDirectory()) {
      for (const scoped of readdirSync(path.join(nodeModules, entry.name))) names.push(`${entry.name}/${scoped}`);
    } else names.push(entry.name);
  }
  return names.sort();
}

async function fingerprint(file: string): Promise<string> {
  try {
    const [content, info] = await Promise.all([readFile(file), stat(file)]);
    return `${createHash('sha256').update(content).digest('hex')}:${info.mtimeMs}`;
  } catch {
    return 'absent';
  }
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.once('error', (err) => reject(new ProductionInstallError(`${command} ${args.join(' ')}: ${err.message}`)));
    child.once('close', (code, signal) =>
      code === 0 ? resolve({ output }) : reject(new ProductionInstallError(`${command} ${args.join(' ')} failed (${code ?? signal}):\n${output}`)),
    );
  });
}
