export type MatchType = 'exact' | 'prefix' | 'regex';
export type LogoutType = 'back-channel' | 'front-channel' | 'none';

/** An application allowed to use this CAS server (Apereo: a registered service). */
export interface RegisteredService {
  id: number;
  name: string;
  description: string | null;
  /** An absolute http(s) URL (exact, prefix) or a regular expression matched against the whole URL (regex). */
  pattern: string;
  matchType: MatchType;
  /** Lower is tried first; ties go to the lower id. */
  evaluationOrder: number;
  /** Names of the user attributes released to this service. */
  attributes: string[];
  logoutType: LogoutType;
  /** Where single-logout messages go when the app's logout endpoint is not its service URL. */
  logoutUrl: string | null;
  /** Anchored regex a pgtUrl must match; null = may not proxy. */
  proxyPattern: string | null;
  /** Disabled services are still found, so the caller can say "this application is disabled" rather than "unknown". */
  enabled: boolean;
}

/** What `ServiceRegistry.add` takes: an id is assigned (max + 1) when missing. */
export type NewService = Pick<RegisteredService, 'name' | 'pattern' | 'matchType'> &
  Partial<Omit<RegisteredService, 'name' | 'pattern' | 'matchType'>>;
