import type { ServiceRegistry } from './registry.js';
import type { RegisteredService } from './types.js';

export type ServiceCheck =
  | { ok: true; service: RegisteredService; url: string }
  | { ok: false; reason: 'unregistered' | 'disabled' | 'invalid'; url: string };

/** Only registered, enabled services get a redirect or a ticket (the open-redirect guard). */
export async function checkService(services: ServiceRegistry, url: string): Promise<ServiceCheck> {
  if (!/^https?:\/\/[^\s]+$/i.test(url) || url.length > 2048) return { ok: false, reason: 'invalid', url };
  const service = await services.find(url);
  if (!service) return { ok: false, reason: 'unregistered', url };
  if (!service.enabled) return { ok: false, reason: 'disabled', url };
  return { ok: true, service, url };
}
