import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { shortTicket } from '../cas/errors.js';

/** Query parameters whose values are secrets or single-use credentials: logged by prefix only, or not at all. */
const TICKET_PARAMS = new Set(['ticket', 'pgt', 'pgtId', 'pgtIou', 'SAMLart']);
const SECRET_PARAMS = new Set(['code', 'state', 'password', 'secret', 'access_token', 'refresh_token', 'appsecret']);

/** The request URL as it may appear in logs. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const [name, value] of [...params]) {
    if (TICKET_PARAMS.has(name)) params.set(name, shortTicket(value));
    else if (SECRET_PARAMS.has(name)) params.set(name, '***');
  }
  return url.slice(0, q + 1) + params.toString();
}

export const requestSerializer = (req: FastifyRequest) => ({
  method: req.method,
  url: loggableUrl(req.url),
  ip: req.ip,
  userAgent: req.headers['user-agent'],
});

type LogLevel = 'info' | 'warn' | 'error' | 'fatal' | 'debug' | 'trace';
type PinoLike = FastifyBaseLogger & { isLevelEnabled?(level: string): boolean };

/**
 * Fastify's `childLoggerFactory`: `request.log`, its pino child made only when the request first logs a line it
 * would write. At LOG_LEVEL=warn most requests (every validation that succeeds) write nothing, and making the child
 * (bindings serialised, a prototype chain set up) was some 3 % of a validation's instructions. A route with its own
 * log level or serializers gets its child at once, as Fastify would make it.
 */
export function lazyRequestLoggers(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined) return parent.child(bindings, options);
  return new LazyRequestLogger(parent as PinoLike, bindings) as unknown as FastifyBaseLogger;
}

class LazyRequestLogger {
  private made: PinoLike | undefined;

  constructor(
    private readonly parent: PinoLike,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.parent.level;
  }

  isLevelEnabled(level: string): boolean {
    return this.parent.isLevelEnabled ? this.parent.isLevelEnabled(level) : true;
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private write(level: LogLevel, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.logger()[level] as (...a: unknown[]) => void)(...args);
  }

  private logger(): PinoLike {
    this.made ??= this.parent.child(this.bindings) as PinoLike;
    return this.made;
  }
}
