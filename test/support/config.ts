import { type Config, loadConfig } from '../../src/config.js';

/**
 * A config for tests: in-memory SQLite, test mode, a proof of work solved in milliseconds, anything overridable by
 * its environment variable.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', SMS_CHALLENGE_WORK: '1000', ...overrides });
}
