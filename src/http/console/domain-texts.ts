import type { Refusal } from '../../admin/refusals.js';
import type { MatchExplanation } from '../../admin/services.js';
import type { Translate } from '../pages/i18n.js';

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
