// Every text the demo app shows, in English and Chinese. Functions take HTML that is already escaped.
import type { Locale } from './i18n.js';

const en = {
  subtitle: (appHtml: string) => `${appHtml} — a CAS-protected demo application`,
  signedInTitle: 'Signed in',
  signedInAs: (userHtml: string) => `Signed in as ${userHtml}`,
  attributesIntro: 'Attributes released by the CAS server:',
  noAttributes: 'none',
  signOut: 'Sign out (everywhere)',
  notSignedInTitle: 'Not signed in',
  notSignedIn: 'You are not signed in to this application yet.',
  signedOutTitle: 'Signed out',
  signedOut: 'You have signed out of this application.',
  singleLogout:
    'You have signed out: your single sign-on session ended (you signed out at the sign-in service or in another application), and this application’s session with it.',
  signIn: 'Sign in with CAS',
  signInAgain: 'Sign in again',
  signInFailed: (codeHtml: string, messageHtml: string) => `Sign-in failed (${codeHtml}): ${messageHtml}`,
  /** The link to the other language, written in that language. */
  switchLanguage: '中文',
};

export type Messages = { readonly [K in keyof typeof en]: (typeof en)[K] };

const zhCN: Messages = {
  subtitle: (appHtml) => `${appHtml} — 受 CAS 保护的演示应用`,
  signedInTitle: '已登录',
  signedInAs: (userHtml) => `当前用户：${userHtml}`,
  attributesIntro: 'CAS 服务器提供的用户属性：',
  noAttributes: '无',
  signOut: '退出登录（所有应用）',
  notSignedInTitle: '未登录',
  notSignedIn: '您尚未登录此应用。',
  signedOutTitle: '已退出登录',
  signedOut: '您已退出此应用。',
  singleLogout: '您已退出登录：统一登录会话已结束（您在登录服务或其他应用中退出了登录），本应用的会话也随之结束。',
  signIn: '通过 CAS 登录',
  signInAgain: '重新登录',
  signInFailed: (codeHtml, messageHtml) => `登录失败（${codeHtml}）：${messageHtml}`,
  switchLanguage: 'English',
};

export function messagesFor(locale: Locale): Messages {
  return locale === 'zh-CN' ? zhCN : en;
}
