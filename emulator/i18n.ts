// Page texts. WeChat's pages are Chinese unless `lang=en`. Phone-side wording is not documented
// (docs/wechat-open-platform.md §13); these follow what the WeChat app shows as closely as we know.

export type Lang = 'zh' | 'en';

/** `lang=en` selects English, anything else (WeChat: `cn`, the default) Chinese. */
export function pageLang(value: unknown): Lang {
  return value === 'en' ? 'en' : 'zh';
}

/** The `lang` value WeChat's URLs carry for a page language. */
export function langParam(lang: Lang): 'cn' | 'en' {
  return lang === 'en' ? 'en' : 'cn';
}

const zh = {
  htmlLang: 'zh-CN',
  banner: '模拟器 — 这不是微信。此页面由 wecas 的微信开放平台模拟器生成，仅用于开发和测试。',
  // In a wxLogin iframe (300 px wide) the long banner would push the QR out of the frame.
  bannerShort: '模拟器 — 这不是微信，仅用于开发和测试',
  loginTitle: '微信登录',
  scanHint: '使用微信扫一扫登录',
  qrAlt: '登录二维码',
  scannedTitle: '扫描成功',
  scannedHint: '请在微信中点击确认即可登录',
  cancelledTitle: '您已取消此次登录',
  cancelledHint: '您可再次扫描登录，或关闭窗口',
  expiredTitle: '二维码已失效',
  expiredRefresh: '点击刷新',
  openPhone: '用模拟手机扫码',
  openPhoneTitle: '在新标签页打开模拟器的手机页面，选择扫码的人并确认登录',
  errorTitle: '微信登录',
  errorRedirectUri: 'redirect_uri 参数错误',
  errorScope: 'Scope 参数错误或没有 Scope 权限',
  // WeChat's text for an unknown appid is not recorded anywhere we found (docs/wechat-open-platform.md §13).
  errorAppid: 'appid 参数错误',
  phoneTitle: '微信',
  whoScans: '用哪个微信帐号扫码？',
  scanAs: '以此身份扫码',
  newPersona: '新建微信用户',
  nickname: '昵称',
  sex: '性别',
  sexNames: ['未知', '男', '女'] as readonly [string, string, string],
  region: '地区',
  noRegion: '不显示',
  withAvatar: '使用头像',
  create: '创建并扫码',
  authTitle: '登录确认',
  appAsks: (app: string) => `网站“${app}”申请使用你的微信帐号登录`,
  appGets: '将获得你的公开信息（昵称、头像）',
  scanningAs: '当前微信帐号',
  switchPersona: '切换帐号',
  allow: '允许',
  deny: '拒绝',
  allowedTitle: '已确认登录',
  allowedHint: '请回到电脑上继续操作。',
  deniedTitle: '已拒绝登录',
  deniedHint: '网页上会显示你已取消此次登录。',
  // Same-tab phone (when the QR frame could not open a new tab): Deny leads back to the website.
  deniedSameTabHint: '网站会收到你已拒绝此次登录。',
  backToSite: '返回网站',
  qrUnknown: '二维码无效',
  qrExpired: '二维码已失效，请在电脑上刷新二维码后重新扫描。',
  qrUsed: '该二维码已被使用。',
  notScanned: '请先扫描二维码。',
  otherLanguage: 'English',
};

type Messages = { readonly [K in keyof typeof zh]: (typeof zh)[K] extends string ? string : (typeof zh)[K] };

const en: Messages = {
  htmlLang: 'en',
  banner: 'Emulator — this is not WeChat. This page comes from wecas’s WeChat Open Platform emulator, for development and tests only.',
  bannerShort: 'Emulator — this is not WeChat, for development and tests only',
  loginTitle: 'WeChat Login',
  scanHint: 'Scan with WeChat to log in',
  qrAlt: 'Login QR code',
  scannedTitle: 'Scanned',
  scannedHint: 'Tap Allow in WeChat to log in',
  cancelledTitle: 'You cancelled this login',
  cancelledHint: 'You can scan again to log in, or close this window',
  expiredTitle: 'QR code expired',
  expiredRefresh: 'Refresh',
  openPhone: 'Scan with the emulated phone',
  openPhoneTitle: 'Opens the emulator’s phone page in a new tab: choose who scans, then allow the login',
  errorTitle: 'WeChat Login',
  errorRedirectUri: 'redirect_uri parameter error',
  errorScope: 'Scope parameter error or no Scope permission',
  errorAppid: 'appid parameter error',
  phoneTitle: 'WeChat',
  whoScans: 'Which WeChat account is scanning?',
  scanAs: 'Scan as this account',
  newPersona: 'New WeChat user',
  nickname: 'Nickname',
  sex: 'Sex',
  sexNames: ['Unknown', 'Male', 'Female'],
  region: 'Region',
  noRegion: 'Not shown',
  withAvatar: 'With a profile photo',
  create: 'Create and scan',
  authTitle: 'Confirm login',
  appAsks: (app: string) => `The website “${app}” asks to log you in with your WeChat account`,
  appGets: 'It will receive your public profile (nickname, profile photo)',
  scanningAs: 'Signed in to WeChat as',
  switchPersona: 'Switch account',
  allow: 'Allow',
  deny: 'Deny',
  allowedTitle: 'Login confirmed',
  allowedHint: 'Continue on your computer.',
  deniedTitle: 'Login denied',
  deniedHint: 'The web page will say that you cancelled this login.',
  deniedSameTabHint: 'The website will be told that you denied this login.',
  backToSite: 'Back to the website',
  qrUnknown: 'Invalid QR code',
  qrExpired: 'This QR code has expired. Refresh it on your computer and scan again.',
  qrUsed: 'This QR code has already been used.',
  notScanned: 'Scan the QR code first.',
  otherLanguage: '中文',
};

export function messages(lang: Lang): Messages {
  return lang === 'en' ? en : zh;
}
