/**
 * Why an administrator's request was refused, as a code with its parameters: the API and the CLI print the English
 * sentence below (with the code as the API's `error`/`reason`), the console looks the code up in its message
 * catalogue, so a zh-CN page never shows an English domain sentence. Add a code here, then its two catalogue texts
 * (http/pages/admin-messages.ts, `admin.refusal.<code>`).
 */
const english = {
  no_account: (p: { ref: string }) => `no user "${p.ref}"`,
  never_signed_in: (p: { account: string }) => `${p.account} has never signed in: wecas holds nothing of it`,
  kept_by_directory: (p: { account: string; directory: string; what: KeptField }) =>
    `${p.account} is an account of the ${p.directory} directory: its ${KEPT_FIELD_TEXT[p.what]} is kept there`,
  no_phone_to_activate: (p: { account: string }) => `${p.account} has no phone to activate with: it could not set a new password`,
  no_second_factor: (p: { account: string }) => `${p.account} has no authenticator app set up`,
  no_wechat_link: (p: { account: string }) => `${p.account} has no WeChat link`,
  no_such_wechat_link: (p: { account: string; link: string }) => `${p.account} has no WeChat link ${p.link}`,
  several_wechat_links: (p: { account: string; count: number; openids: string }) =>
    `${p.account} has ${p.count} WeChat links: name one with --openid (${p.openids})`,
  wechat_link_gone: (p: { account: string }) => `that WeChat link of ${p.account} was removed meanwhile`,
  no_such_wecom_link: (p: { account: string; link: string }) => `${p.account} has no WeCom link ${p.link}`,
  no_such_session: (p: { account: string; session: string }) => `${p.account} has no live session ${p.session}`,
  account_disabled: (p: { account: string }) => `${p.account} is disabled: enable it before granting it a role`,
  no_granted_role: (p: { account: string }) => `${p.account} holds no granted role`,
  token_name_missing: (_: Record<string, never>) => 'give the token a name that says what uses it',
  token_days_out_of_range: (p: { max: number }) => `a token lasts from 1 to ${p.max} days`,
  role_not_held: (p: { account: string; role: string; held: string }) =>
    `${p.account} does not hold the ${p.role} role${p.held ? ` (only ${p.held})` : ''}: grant it first`,
  no_such_token: (p: { token: string }) => `no token ${p.token}`,
  token_revoked_already: (p: { token: string }) => `token ${p.token} is revoked already`,
  no_such_service: (p: { id: number }) => `there is no service with id ${p.id}`,
  no_such_appeal: (p: { appeal: string }) => `no appeal ${p.appeal}`,
  appeal_not_waiting: (p: { appeal: string }) => `no appeal ${p.appeal} is waiting for a decision`,
  appeal_phone_taken: (_: Record<string, never>) => "the appeal's number belongs to another account now; reject it, or free the number first",
  /** A refusal of a CLI-only path (creating, merging, linking accounts) that keeps its sentence as it is. */
  other: (p: { text: string }) => p.text,
};

/** What of a directory account its directory keeps. */
export type KeptField = 'password' | 'login_name';
const KEPT_FIELD_TEXT: Record<KeptField, string> = { password: 'password', login_name: 'login name' };

export type RefusalCode = keyof typeof english;
export type RefusalParams<C extends RefusalCode> = Parameters<(typeof english)[C]>[0];
export type Refusal = { [C in RefusalCode]: { code: C; params: RefusalParams<C> } }[RefusalCode];

/** A refusal from its code and parameters (typed together). */
export function refusal<C extends RefusalCode>(code: C, params: RefusalParams<C>): Refusal {
  return { code, params } as Refusal;
}

/** The English sentence of a refusal, for the API's `message` and the CLI. */
export function refusalMessage(r: Refusal): string {
  return (english[r.code] as (p: unknown) => string)(r.params);
}
