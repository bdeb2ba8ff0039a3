import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { SmsMessage, SmsNotice, SmsSender } from './sender.js';

export interface OutboxMessage extends Omit<SmsMessage, 'purpose'> {
  purpose: SmsMessage['purpose'] | SmsNotice['purpose'];
  /** A notice's time and place (its code is empty). */
  notice?: { time: string; ip: string };
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

  async notify(notice: SmsNotice): Promise<void> {
    const entry: OutboxMessage = {
      phone: notice.phone,
      purpose: notice.purpose,
      code: '',
      notice: { time: notice.time, ip: notice.ip },
      at: this.clock.now(),
    };
    this.messages.unshift(entry);
    this.messages.length = Math.min(this.messages.length, this.capacity);
    this.logger.info(
      { phone: notice.phone, purpose: notice.purpose, time: notice.time, ip: notice.ip },
      'development SMS outbox: notice not sent, shown at /__outbox',
    );
  }

  /** The kept messages, newest first. */
  list(): readonly OutboxMessage[] {
    return [...this.messages];
  }
}
