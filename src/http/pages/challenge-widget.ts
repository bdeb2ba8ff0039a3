import type { Locale } from './i18n.js';

/** Where a browser fetches a proof-of-work challenge (routes/send-challenges.ts), under the CAS prefix. */
export const CHALLENGE_PATH = '/login/sms/challenge';

/** The widget's files, served from the altcha package under /static/altcha/ (routes/send-challenges.ts). */
const SCRIPTS = ['altcha/altcha.min.js', 'altcha/zh-cn.js', 'sms-challenge.js'];
const STYLESHEETS = ['altcha/altcha.css'];

export interface ChallengeWidget {
  url: string;
  language: string;
  /** The widget's JSON settings: no logo, no footer (no link to a third party on a sign-in page). */
  configuration: string;
}

/**
 * What a page with a "send code" form adds for a repeated send: the altcha widget (solves the challenge when the
 * form is submitted) and its files. Only pages where a code may already have gone out carry it, so a first send,
 * and a browser without JavaScript, never load it.
 */
export function challengeWidget(prefix: string, locale: Locale) {
  const widget: ChallengeWidget = {
    url: `${prefix}${CHALLENGE_PATH}`,
    language: locale === 'en' ? 'en' : 'zh-cn',
    configuration: JSON.stringify({ hideFooter: true, hideLogo: true }),
  };
  return { challenge: widget, scripts: SCRIPTS, stylesheets: STYLESHEETS };
}
