import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { SmsMessage, SmsSender } from './sender.js';

export interface OutboxMessage extends SmsMessage {
  /** When it was "sent", ms since the epoch. */
  at: number;
}

export interface ConsoleSmsSenderOptions {
  logger: Pick<Logger, 'info'>;
  clock?: Clock;
  /** How many messages `/__outbox` can show; older ones are dropped. */
  capacity?: number;
}

/**
 * The development outbox: nothing leaves the machine. Each code is logged and kept for the `/__outbox` page.
 * This is the one place a verification code may be logged, and config refuses it under NODE_ENV=production.
 * Messages live in this process only, which is fine for the single development process.
 */
export class ConsoleSmsSender implements SmsSender {
  readonly provider = 'console';
  private readonly messages: OutboxMessage[] = [];
  private readonly logger: Pick<Logger, 'info'>;
  private readonly clock: Clock;
  private readonly capacity: number;

  constructor(options: ConsoleSmsSenderOptions) {
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.capacity = options.capacity ?? 50;
  }

  async send(message: SmsMessage): Promise<void> {
    const entry: OutboxMessage = { ...message, at: this.clock.now() };
    this.messages.unshift(entry);
    this.messages.length = Math.min(this.messages.length, this.capacity);
    this.logger.info(
      { phone: message.phone, purpose: message.purpose, code: message.code },
      'development SMS outbox: code not sent, shown at /__outbox',
    );
  }

  /** The kept messages, newest first. */
  list(): readonly OutboxMessage[] {
    return [...this.messages];
  }
}
