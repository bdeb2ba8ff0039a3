import { SmsSendError } from './sender.js';

/**
 * Bounds a provider call to `ms`, whatever the SDK's own timers do (they restart on every byte, or count only the
 * connect). The call itself is left to its SDK timeout, which the senders set to the same value.
 */
export async function withDeadline<T>(provider: string, ms: number, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SmsSendError({ kind: 'unavailable', provider, providerCode: 'Timeout', detail: `no answer within ${ms} ms` })),
      ms,
    );
  });
  try {
    return await Promise.race([call, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
