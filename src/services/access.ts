import type { RegisteredService, SignInMethod } from './types.js';

/**
 * Who may use a service (Apereo's DefaultRegisteredServiceAccessStrategy, its required attributes): each required
 * attribute names patterns, and the person's attribute matches when one pattern is found in one of its values
 * (unanchored, as Apereo matches: `^staff$` for exactly `staff`). With `requireAllAttributes` every required attribute
 * must be present and match; without it, one present and matching attribute is enough. No requirements: everyone.
 */
export function personAllowed(service: RegisteredService, attributes: Readonly<Record<string, readonly string[]>>): boolean {
  const required = Object.entries(service.requiredAttributes);
  if (required.length === 0) return true;
  const flags = service.requiredAttributesCaseInsensitive ? 'i' : '';
  const matches = ([name, patterns]: [string, string[]]) => {
    const values = attributes[name] ?? [];
    return patterns.some((pattern) => {
      const regex = compiled(pattern, flags);
      return values.some((value) => regex.test(value));
    });
  };
  return service.requireAllAttributes ? required.every(matches) : required.some(matches);
}

/** Whether the service accepts a session established by this sign-in method (no list: every method). */
export function acceptsMethod(service: RegisteredService, method: SignInMethod): boolean {
  return service.signInMethods.length === 0 || service.signInMethods.includes(method);
}

/** Whether the service gets tickets only from sessions that passed a second factor. */
export function requiresSecondFactor(service: RegisteredService): boolean {
  return service.mfaPolicy === 'required';
}

/** Whether the service gives a ticket to every live session: any method, no second factor, no attribute rule. */
export function admitsEverySession(service: RegisteredService): boolean {
  return service.signInMethods.length === 0 && !requiresSecondFactor(service) && Object.keys(service.requiredAttributes).length === 0;
}

// Patterns are checked on every sign-in and validation of the service: compiled once (the registry holds few).
const cache = new Map<string, RegExp>();

function compiled(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    if (cache.size > 10_000) cache.clear();
    try {
      regex = new RegExp(pattern, flags);
    } catch {
      regex = /(?!)/; // edited by hand into no pattern: it matches nothing, so lets nobody in
    }
    cache.set(key, regex);
  }
  return regex;
}
