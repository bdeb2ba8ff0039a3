import type { Refusal } from '../../admin/refusals.js';
import type { MatchExplanation } from '../../admin/services.js';
import type { ServiceValidationError } from '../../services/validation.js';
import type { Locale, Translate } from '../pages/i18n.js';
import type { MessageKey } from '../pages/messages.js';

/** A domain refusal (admin/refusals.ts) in the page's language. */
export function refusalText(t: Translate, r: Refusal): string {
  if (r.code === 'kept_by_directory') return t('admin.refusal.kept_by_directory', { ...r.params, what: t(`admin.refusal.what.${r.params.what}`) });
  return t(`admin.refusal.${r.code}`, r.params);
}

/** The URL tester's explanation (admin/services.ts) in the page's language. */
export function matchExplanationText(t: Translate, e: MatchExplanation): string {
  if (e.code === 'not_a_service_url') return t('admin.services.test.why.not_a_service_url');
  if (e.code === 'no_service') return t('admin.services.test.why.no_service', { tried: e.tried });
  const sentences = [
    t(`admin.services.test.why.${e.matchType}`, { id: e.serviceId, name: e.name, order: e.evaluationOrder }),
    e.triedBefore === 0
      ? t('admin.services.test.why.first')
      : e.triedBefore === 1
        ? t('admin.services.test.why.before_one')
        : t('admin.services.test.why.before_many', { n: e.triedBefore }),
  ];
  if (e.disabled) sentences.push(t('admin.services.test.why.disabled'));
  return sentences.join(t('admin.sentence_gap'));
}

/** The service form's field labels, by the field the registry's validation names. */
const SERVICE_FIELDS: Record<string, MessageKey> = {
  name: 'admin.services.name',
  description: 'admin.services.description',
  pattern: 'admin.services.pattern',
  matchType: 'admin.services.match',
  evaluationOrder: 'admin.services.order',
  attributes: 'admin.services.attributes',
  attributeRenames: 'admin.services.renames',
  usernameAttribute: 'admin.services.username_attribute',
  usernameCase: 'admin.services.username_case',
  requiredAttributes: 'admin.services.required',
  requireAllAttributes: 'admin.services.require_all',
  requiredAttributesCaseInsensitive: 'admin.services.ignore_case',
  signInMethods: 'admin.services.methods',
  mfaPolicy: 'admin.services.mfa_policy',
  logoutType: 'admin.services.logout',
  logoutUrl: 'admin.services.logout_url',
  proxyPattern: 'admin.services.proxy',
  enabled: 'admin.services.enabled',
};

/**
 * Why the registry refused a service, in the page's language: the field it names, by its label on the form. The
 * registry's own sentence (zod's, in English) follows on English pages only, where it adds the detail.
 */
export function serviceInvalidText(t: Translate, locale: Locale, err: ServiceValidationError): string {
  const key = SERVICE_FIELDS[err.field?.split('.')[0] ?? ''];
  const lead = key ? t('admin.services.invalid_field', { field: t(key) }) : t('admin.services.invalid');
  return locale === 'en' ? `${lead} ${err.message}` : lead;
}
