import { adminMessages } from './admin-messages.js';

/** Every text a page shows, in both languages. Keys are grouped by page; `{name}` marks a value filled in. */
export const messages = {
  ...adminMessages,
  'app.name': { en: 'wecas sign-in', 'zh-CN': 'wecas 统一登录' },
  'lang.switch': { en: '中文', 'zh-CN': 'English' },
  'dev.banner.mode': { en: 'Development mode, not for production.', 'zh-CN': '开发模式，请勿用于生产环境。' },
  'dev.banner.wechat': { en: 'WeChat is emulated.', 'zh-CN': '微信为模拟器。' },
  'dev.banner.sms': { en: 'SMS codes go to the outbox (/__outbox).', 'zh-CN': '短信验证码写入本地发件箱（/__outbox）。' },

  'login.title': { en: 'Sign in', 'zh-CN': '登录' },
  'login.to_service': { en: 'to continue to {service}', 'zh-CN': '以继续访问 {service}' },
  'login.tab.password': { en: 'Password', 'zh-CN': '密码登录' },
  'login.tab.sms': { en: 'SMS code', 'zh-CN': '短信验证码' },
  'login.tab.wechat': { en: 'WeChat', 'zh-CN': '微信扫码' },
  'login.username': { en: 'Username', 'zh-CN': '用户名' },
  'login.password': { en: 'Password', 'zh-CN': '密码' },
  'login.submit': { en: 'Sign in', 'zh-CN': '登录' },
  'login.error.invalid_credentials': {
    en: 'The username or password is not correct. Check them and try again.',
    'zh-CN': '用户名或密码不正确，请检查后重试。',
  },
  'login.error.disabled': {
    en: 'This account is disabled. Contact your administrator.',
    'zh-CN': '该账号已停用，请联系管理员。',
  },
  'login.error.throttled': {
    en: 'Too many failed attempts. Wait {minutes} minutes and try again.',
    'zh-CN': '失败次数过多，请 {minutes} 分钟后再试。',
  },
  'login.error.missing_fields': { en: 'Enter your username and password.', 'zh-CN': '请输入用户名和密码。' },
  'login.error.expired_form': {
    en: 'This sign-in form has expired or was already used. Please sign in again.',
    'zh-CN': '登录表单已过期或已提交过，请重新登录。',
  },
  'login.method_required': {
    en: '{service} asks you to sign in with {methods}.',
    'zh-CN': '{service} 要求使用{methods}登录。',
  },
  'login.error.method_not_accepted': {
    en: '{service} does not accept this way of signing in. Use {methods}.',
    'zh-CN': '{service} 不接受这种登录方式，请使用{methods}。',
  },
  'login.no_method': {
    en: '{service} accepts only sign-in methods this server does not offer. Tell the application’s administrator.',
    'zh-CN': '{service} 只接受本服务器未提供的登录方式，请联系该应用的管理员。',
  },
  'login.methods.separator': { en: ' or ', 'zh-CN': '或' },
  'login.method.password': { en: 'your password', 'zh-CN': '密码' },
  'login.method.sms': { en: 'an SMS code', 'zh-CN': '短信验证码' },
  'login.method.wechat': { en: 'WeChat', 'zh-CN': '微信扫码' },
  'login.method.wecom': { en: 'WeCom', 'zh-CN': '企业微信' },
  'login.second_factor_required': {
    en: '{service} requires two-step verification: sign in, then confirm with your authenticator app or an SMS code.',
    'zh-CN': '{service} 要求两步验证：请登录，然后使用身份验证器应用或短信验证码确认。',
  },

  // The second step of a sign-in (routes/second-factor.ts) and its setup on the account page.
  'mfa.title': { en: 'Two-step verification', 'zh-CN': '两步验证' },
  'mfa.intro': { en: 'You are signing in as {user}. Confirm it is you.', 'zh-CN': '您正在以 {user} 身份登录，请确认是您本人。' },
  'mfa.totp.label': { en: 'Code from your authenticator app', 'zh-CN': '身份验证器应用中的验证码' },
  'mfa.totp.submit': { en: 'Verify', 'zh-CN': '验证' },
  'mfa.sms.heading': { en: 'Or an SMS code to {phone}', 'zh-CN': '或发送短信验证码至 {phone}' },
  'mfa.sms.send': { en: 'Send code', 'zh-CN': '发送验证码' },
  'mfa.sms.resend': { en: 'Send another code', 'zh-CN': '重新发送' },
  'mfa.sms.sent': { en: 'A code was sent to {phone}.', 'zh-CN': '验证码已发送至 {phone}。' },
  'mfa.sms.label': { en: 'SMS code', 'zh-CN': '短信验证码' },
  'mfa.recovery.heading': { en: 'Lost your phone? Use a recovery code', 'zh-CN': '手机丢失？使用恢复码' },
  'mfa.recovery.label': { en: 'Recovery code', 'zh-CN': '恢复码' },
  'mfa.cancel': { en: 'Cancel and sign in again', 'zh-CN': '取消并重新登录' },
  'mfa.error.wrong_code': { en: 'That code is not correct. Try again.', 'zh-CN': '验证码不正确，请重试。' },
  'mfa.error.wrong_code_left': {
    en: 'That code is not correct. {count} tries left for this code.',
    'zh-CN': '验证码不正确，此验证码还可尝试 {count} 次。',
  },
  'mfa.error.missing_code': { en: 'Enter the code.', 'zh-CN': '请输入验证码。' },
  'mfa.error.throttled': {
    en: 'Too many wrong codes. Wait {minutes} minutes and try again.',
    'zh-CN': '验证码错误次数过多，请 {minutes} 分钟后再试。',
  },
  'mfa.error.sms_used_up': { en: 'This SMS code can no longer be used. Send a new one.', 'zh-CN': '该短信验证码已失效，请重新发送。' },
  'mfa.error.gone': {
    en: 'This sign-in has expired or was already completed. Please sign in again.',
    'zh-CN': '本次登录已过期或已完成，请重新登录。',
  },
  'mfa.unavailable.title': { en: 'Two-step verification required', 'zh-CN': '需要两步验证' },
  'mfa.unavailable.body': {
    en: '{service} requires two-step verification, and your account has no second factor yet. You are signed in: set up an authenticator app on your account page, then open the application again. No ticket was issued.',
    'zh-CN': '{service} 要求两步验证，但您的账号尚未设置第二因素。您已登录：请在“我的账号”中设置身份验证器应用，然后重新打开该应用。未签发任何票据。',
  },
  'mfa.unavailable.setup': { en: 'Set up two-step verification', 'zh-CN': '设置两步验证' },
  'account.mfa': { en: 'Two-step verification', 'zh-CN': '两步验证' },
  'account.mfa.off': {
    en: 'Off. With an authenticator app, every sign-in also asks for its code.',
    'zh-CN': '未开启。开启身份验证器应用后，每次登录还需输入其中的验证码。',
  },
  'account.mfa.on': {
    en: 'On since {date}: every sign-in asks for a code from your authenticator app. {count} recovery codes left.',
    'zh-CN': '自 {date} 起已开启：每次登录都需输入身份验证器应用中的验证码。剩余恢复码 {count} 个。',
  },
  'account.mfa.setup': { en: 'Set up an authenticator app', 'zh-CN': '设置身份验证器应用' },
  'account.mfa.disable': { en: 'Turn off', 'zh-CN': '关闭两步验证' },
  'account.mfa.disable.hint': {
    en: 'To turn it off, enter a current code from the app (or a recovery code), or your password.',
    'zh-CN': '关闭前请输入身份验证器应用中的当前验证码（或一个恢复码），或您的密码。',
  },
  'account.mfa.disable.code': { en: 'Code or recovery code', 'zh-CN': '验证码或恢复码' },
  'account.mfa.disabled': { en: 'Two-step verification is off.', 'zh-CN': '两步验证已关闭。' },
  'account.mfa.wrong': { en: 'That code or password is not correct.', 'zh-CN': '验证码或密码不正确。' },
  'account.mfa.throttled': { en: 'Too many wrong codes. Try again later.', 'zh-CN': '验证码错误次数过多，请稍后再试。' },
  'mfa.setup.title': { en: 'Set up an authenticator app', 'zh-CN': '设置身份验证器应用' },
  'mfa.setup.scan': {
    en: 'Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 腾讯身份验证器 …).',
    'zh-CN': '请用身份验证器应用（如腾讯身份验证器、Google Authenticator、Microsoft Authenticator）扫描此二维码。',
  },
  'mfa.setup.qr_alt': { en: 'QR code of the authenticator setup', 'zh-CN': '身份验证器设置二维码' },
  'mfa.setup.secret': { en: 'Or type this key into the app:', 'zh-CN': '或在应用中手动输入此密钥：' },
  'mfa.setup.uri': { en: 'Setup link', 'zh-CN': '设置链接' },
  'mfa.setup.code': { en: 'Then enter the 6-digit code the app shows', 'zh-CN': '然后输入应用显示的 6 位验证码' },
  'mfa.setup.confirm': { en: 'Turn on', 'zh-CN': '开启' },
  'mfa.setup.expired': { en: 'The setup expired. Start again.', 'zh-CN': '设置已过期，请重新开始。' },
  'mfa.codes.title': { en: 'Save your recovery codes', 'zh-CN': '请保存您的恢复码' },
  'mfa.codes.body': {
    en: 'Two-step verification is on. If you lose your phone, each of these codes signs you in once. They are shown only now: print them or keep them somewhere safe.',
    'zh-CN': '两步验证已开启。如手机丢失，以下每个恢复码可代替验证码登录一次。恢复码仅显示这一次，请打印或妥善保存。',
  },
  'mfa.codes.done': { en: 'I have saved them', 'zh-CN': '我已保存' },
  'login.insecure': {
    en: 'This connection is not HTTPS: single sign-on works here for development only.',
    'zh-CN': '当前连接不是 HTTPS：单点登录仅供开发调试。',
  },

  'signedin.title': { en: 'You are signed in', 'zh-CN': '您已登录' },
  'signedin.body': {
    en: 'You are signed in as {user}. Applications that use this sign-in service will not ask you again until you sign out.',
    'zh-CN': '您已以 {user} 身份登录。使用本统一登录服务的应用在您退出前不会再次要求登录。',
  },
  'signedin.logout': { en: 'Sign out', 'zh-CN': '退出登录' },
  'signedin.account': { en: 'Your account', 'zh-CN': '我的账号' },

  'loggedout.title': { en: 'You are signed out', 'zh-CN': '您已退出登录' },
  'loggedout.body': {
    en: 'You have signed out of the sign-in service. For your security, close the browser when you are done.',
    'zh-CN': '您已退出统一登录。为了安全，使用完毕请关闭浏览器。',
  },
  'loggedout.apps': { en: 'Applications told to end your session:', 'zh-CN': '已通知以下应用结束会话：' },
  'loggedout.again': { en: 'Sign in again', 'zh-CN': '重新登录' },

  'error.title': { en: 'Something went wrong', 'zh-CN': '出错了' },
  'error.back': { en: 'Back to sign-in', 'zh-CN': '返回登录' },
  'error.unauthorized_service.title': { en: 'Application not authorised', 'zh-CN': '应用未获授权' },
  'error.unauthorized_service.body': {
    en: 'The application at {service} is not authorised to use this sign-in service. No ticket was issued. If you think this is wrong, tell the application’s administrator.',
    'zh-CN': '地址为 {service} 的应用未获授权使用本统一登录服务，未签发任何票据。如有疑问，请联系该应用的管理员。',
  },
  'error.disabled_service.body': {
    en: 'The application at {service} is registered but currently disabled. No ticket was issued.',
    'zh-CN': '地址为 {service} 的应用已注册，但目前已停用，未签发任何票据。',
  },
  'error.invalid_service.body': {
    en: 'The service address is not a valid web address. Go back to the application and try again.',
    'zh-CN': '应用地址无效，请返回该应用后重试。',
  },
  'error.not_allowed.title': { en: 'You cannot use this application', 'zh-CN': '您无权使用该应用' },
  'error.not_allowed.body': {
    en: 'You are signed in as {user}, but {service} is open only to some people, and your account is not one of them. No ticket was issued.',
    'zh-CN': '您已以 {user} 身份登录，但 {service} 仅对部分人员开放，您的账号不在其中，未签发任何票据。',
  },
  'error.not_allowed.help': {
    en: 'If you think you should have access, ask the application’s administrator. If this is not your account, sign in as someone else.',
    'zh-CN': '如您认为应有权访问，请联系该应用的管理员；如这不是您的账号，请换个账号登录。',
  },
  'error.not_allowed.switch': { en: 'Sign in as someone else', 'zh-CN': '换个账号登录' },
  'error.internal.title': { en: 'The sign-in service is unavailable', 'zh-CN': '登录服务暂不可用' },
  'error.internal.body': {
    en: 'The sign-in service could not complete your request. Wait a moment and try again.',
    'zh-CN': '登录服务暂时无法完成您的请求，请稍后重试。',
  },
  'error.directory_unavailable': {
    en: 'The account service is unavailable right now, so your account cannot be checked. Nothing was changed; try again in a few minutes.',
    'zh-CN': '账号服务暂时不可用，无法核对您的账号。未做任何更改，请几分钟后重试。',
  },
  'error.not_found.title': { en: 'Page not found', 'zh-CN': '页面不存在' },
  'error.not_found.body': { en: 'There is no page at this address.', 'zh-CN': '该地址没有对应的页面。' },
  'error.too_many.title': { en: 'Too many requests', 'zh-CN': '请求过于频繁' },
  'error.too_many.body': {
    en: 'Too many requests from your network. Wait a minute and try again.',
    'zh-CN': '您的网络请求过于频繁，请稍候一分钟再试。',
  },
  'error.bad_request.title': { en: 'Bad request', 'zh-CN': '请求有误' },
  'error.bad_request.body': { en: 'The request could not be understood. Go back and try again.', 'zh-CN': '无法理解该请求，请返回后重试。' },

  'wechat.open_page': { en: 'Open the WeChat QR page instead', 'zh-CN': '在新页面打开微信二维码' },
  'wechat.qr_title': { en: 'WeChat sign-in QR code', 'zh-CN': '微信登录二维码' },
  'login.wecom.heading': { en: 'WeCom', 'zh-CN': '企业微信' },
  'wecom.button': { en: 'Sign in with WeCom', 'zh-CN': '企业微信登录' },
  'wecom.in_app.hint': {
    en: 'You are inside WeCom: sign in as the member WeCom knows you as, without a password.',
    'zh-CN': '您正在企业微信中，可直接以当前企业微信成员身份登录，无需密码。',
  },
  'wecom.scan.hint': {
    en: 'Scan a QR code with the WeCom app on your phone.',
    'zh-CN': '使用手机企业微信扫码登录。',
  },
  'wecom.bad_state.title': { en: 'This WeCom sign-in cannot be used', 'zh-CN': '本次企业微信登录无效' },
  'wecom.bad_state.missing': {
    en: 'The link from WeCom is incomplete. Start the WeCom sign-in again.',
    'zh-CN': '来自企业微信的链接不完整，请重新发起企业微信登录。',
  },
  'wecom.bad_state.unknown_or_expired': {
    en: 'This WeCom sign-in has expired or was already used (for example by going back or reloading). Start again; nobody was signed in.',
    'zh-CN': '本次企业微信登录已过期或已使用（例如返回或刷新了页面）。请重新开始，本次未登录任何账号。',
  },
  'wecom.bad_state.other_browser': {
    en: 'This WeCom sign-in was started in another browser. Start it again here; nobody was signed in.',
    'zh-CN': '本次企业微信登录是在其他浏览器中发起的。请在此浏览器重新开始，本次未登录任何账号。',
  },
  'wecom.disabled.body': {
    en: 'The account your WeCom ID belongs to is disabled. Contact your administrator.',
    'zh-CN': '与您的企业微信账号对应的账号已停用，请联系管理员。',
  },
  'wecom.retry': { en: 'Try WeCom again', 'zh-CN': '重新企业微信登录' },
  'wecom.error.title': { en: 'WeCom sign-in failed', 'zh-CN': '企业微信登录失败' },
  'wecom.declined.title': { en: 'WeCom sign-in cancelled', 'zh-CN': '已取消企业微信登录' },
  'wecom.declined.body': {
    en: 'The sign-in was cancelled in WeCom. You can try again, or sign in another way.',
    'zh-CN': '已在企业微信中取消登录。您可以重试，或使用其他方式登录。',
  },
  'wecom.error.code': {
    en: 'This WeCom sign-in link has expired or was already used. Start the WeCom sign-in again.',
    'zh-CN': '本次企业微信登录已过期或已使用，请重新发起企业微信登录。',
  },
  'wecom.error.ip': {
    en: 'WeCom refused this sign-in service: its server address is not on the app’s trusted IP list (企业可信IP). Sign in another way, and tell your IT administrator.',
    'zh-CN': '企业微信拒绝了本登录服务：服务器地址不在应用的“企业可信IP”中。请使用其他方式登录，并告知 IT 管理员。',
  },
  'wecom.error.config': {
    en: 'WeCom sign-in is not set up correctly on this service. Sign in another way, and tell your IT administrator.',
    'zh-CN': '本服务的企业微信登录配置有误。请使用其他方式登录，并告知 IT 管理员。',
  },
  'wecom.error.busy': {
    en: 'WeCom is busy right now. Wait a minute and try again.',
    'zh-CN': '企业微信服务繁忙，请稍等一分钟后重试。',
  },
  'wecom.error.unavailable': {
    en: 'WeCom could not be reached. Try again in a moment, or sign in with your password or phone number.',
    'zh-CN': '暂时无法连接企业微信。请稍后重试，或使用密码、手机号登录。',
  },
  'wecom.not_visible.title': { en: 'You cannot use this app in WeCom', 'zh-CN': '您无权使用该企业微信应用' },
  'wecom.not_visible.body': {
    en: 'Your WeCom account is not in this app’s visible range (可见范围), so WeCom does not let it sign you in. Ask your WeCom administrator to add you to the app, or sign in with your password or phone number.',
    'zh-CN':
      '您的企业微信账号不在该应用的可见范围内，企业微信不允许用它为您登录。请联系企业微信管理员将您加入应用的可见范围，或使用密码、手机号登录。',
  },
  'wecom.not_member.title': { en: 'Not a member of this organisation', 'zh-CN': '不是本企业成员' },
  'wecom.not_member.body': {
    en: 'The WeCom account you used is not a member of this organisation. Sign in with the WeCom account of your organisation, or with your password or phone number.',
    'zh-CN': '您使用的企业微信账号不是本企业的成员。请使用本企业的企业微信账号，或使用密码、手机号登录。',
  },
  'wecom.bind.title': { en: 'Link your WeCom account', 'zh-CN': '关联企业微信账号' },
  'wecom.bind.intro': {
    en: 'No account here has your WeCom user ID {userid} as its login. Confirm the mobile number of your account with an SMS code, once: your WeCom account is then linked to it, and WeCom signs you in directly next time.',
    'zh-CN':
      '本服务中没有以您的企业微信账号 {userid} 为登录名的账号。请用短信验证码确认您账号的手机号（仅需一次）：之后企业微信账号即与该账号关联，下次可直接登录。',
  },
  'wecom.bind.submit': { en: 'Verify and link', 'zh-CN': '验证并关联' },
  'wecom.bind.no_account': {
    en: 'No account here has this mobile number. Use the number your account has, sign in with your password, or ask your administrator.',
    'zh-CN': '本服务中没有使用该手机号的账号。请使用您账号登记的手机号，或使用密码登录，或联系管理员。',
  },
  'wecom.bind.expired.title': { en: 'This WeCom sign-in has expired', 'zh-CN': '本次企业微信登录已过期' },
  'wecom.bind.expired.body': {
    en: 'Linking must be finished within 10 minutes of signing in with WeCom, in the same browser. Start the WeCom sign-in again.',
    'zh-CN': '关联须在企业微信登录后 10 分钟内、在同一浏览器中完成。请重新发起企业微信登录。',
  },
  'dev.banner.wecom': { en: 'WeCom is emulated.', 'zh-CN': '企业微信为模拟器。' },
  'wechat.retry': { en: 'Try WeChat again', 'zh-CN': '重新微信扫码' },
  'wechat.other_methods': { en: 'Sign in another way', 'zh-CN': '使用其他方式登录' },
  'wechat.bad_state.title': { en: 'This WeChat sign-in cannot be used', 'zh-CN': '本次微信登录无效' },
  'wechat.bad_state.missing': {
    en: 'The link from WeChat is incomplete. Start the WeChat sign-in again.',
    'zh-CN': '来自微信的链接不完整，请重新发起微信登录。',
  },
  'wechat.bad_state.unknown_or_expired': {
    en: 'This WeChat sign-in has expired or was already used (for example by going back or reloading). Start again; nobody was signed in.',
    'zh-CN': '本次微信登录已过期或已使用（例如返回或刷新了页面）。请重新开始，本次未登录任何账号。',
  },
  'wechat.bad_state.other_browser': {
    en: 'This WeChat sign-in was started in another browser. Start it again here; nobody was signed in.',
    'zh-CN': '本次微信登录是在其他浏览器中发起的。请在此浏览器重新开始，本次未登录任何账号。',
  },
  'wechat.declined.title': { en: 'WeChat sign-in cancelled', 'zh-CN': '已取消微信登录' },
  'wechat.declined.body': {
    en: 'You declined the sign-in on your phone. Scan again to sign in with WeChat, or choose another way.',
    'zh-CN': '您在手机上拒绝了本次登录。可重新扫码使用微信登录，或选择其他登录方式。',
  },
  'wechat.disabled.body': {
    en: 'The account bound to this WeChat is disabled. Contact your administrator.',
    'zh-CN': '该微信绑定的账号已停用，请联系管理员。',
  },
  'wechat.in_app.heading': { en: 'WeChat', 'zh-CN': '微信登录' },
  'wechat.in_app.button': { en: 'Sign in with WeChat', 'zh-CN': '微信一键登录' },
  'wechat.in_app.hint': {
    en: 'You are inside WeChat: sign in with the WeChat account on this phone.',
    'zh-CN': '您正在微信中浏览，可直接使用本机登录的微信账号登录。',
  },
  'wechat.snapshot.title': { en: 'Open the full page to sign in', 'zh-CN': '请打开完整页面登录' },
  'wechat.snapshot.body': {
    en: 'You are looking at a preview of this page, where nobody can sign in. Tap “Use full service” (使用完整服务) at the bottom of the screen, then sign in again.',
    'zh-CN': '您正在浏览该页面的快照，无法在此登录。请点击屏幕下方的“使用完整服务”，打开完整页面后再登录。',
  },
  'wechat.error.title': { en: 'WeChat sign-in failed', 'zh-CN': '微信登录失败' },
  'wechat.error.code': {
    en: 'The sign-in code from WeChat has expired or was already used (for example by reloading the page). Start the WeChat sign-in again; nobody was signed in.',
    'zh-CN': '微信返回的登录凭证已过期或已被使用（例如刷新了页面）。请重新发起微信登录，本次未登录任何账号。',
  },
  'wechat.error.code_malformed': {
    en: 'The sign-in code in the link from WeChat is incomplete or damaged. Start the WeChat sign-in again; nobody was signed in.',
    'zh-CN': '来自微信的链接中的登录凭证不完整或已损坏。请重新发起微信登录，本次未登录任何账号。',
  },
  'wechat.error.token': { en: 'WeChat did not accept our sign-in request. Scan the QR code again.', 'zh-CN': '微信未接受本次登录请求，请重新扫码。' },
  'wechat.error.config': {
    en: 'WeChat sign-in is not set up correctly on this server. Sign in another way and tell the administrator.',
    'zh-CN': '本服务器的微信登录配置有误。请使用其他方式登录，并告知管理员。',
  },
  'wechat.error.busy': { en: 'WeChat is busy right now. Wait a minute and scan again.', 'zh-CN': '微信服务繁忙，请稍等一分钟后重新扫码。' },
  'wechat.error.unavailable': {
    en: 'WeChat could not be reached. Try again in a moment, or sign in with your phone number or password.',
    'zh-CN': '暂时无法连接微信。请稍后重试，或使用手机号、密码登录。',
  },

  'bind.title': { en: 'Link your account', 'zh-CN': '关联账号' },
  'bind.intro': {
    en: 'Welcome, {nickname}. This WeChat account is new here: link it to your account to finish signing in. Next time, scanning is enough.',
    'zh-CN': '欢迎，{nickname}。该微信首次登录，请关联您的账号以完成登录，之后扫码即可直接登录。',
  },
  'bind.by_phone': { en: 'With your phone number', 'zh-CN': '通过手机号关联' },
  'bind.by_phone.hint': {
    en: 'If the number belongs to an account, your WeChat is added to it; otherwise a new account is made.',
    'zh-CN': '若该手机号已有账号，微信将关联到该账号；否则将新建账号。',
  },
  'bind.by_account': { en: 'With your username and password', 'zh-CN': '通过用户名和密码关联' },
  'bind.by_account.hint': {
    en: 'Your student or staff number (学号/工号) and the password you already use.',
    'zh-CN': '您的学号/工号及现有密码。',
  },
  'bind.account_submit': { en: 'Link and sign in', 'zh-CN': '关联并登录' },
  'bind.phone': { en: 'Mobile number, {countries}', 'zh-CN': '手机号（{countries}）' },
  'bind.send': { en: 'Send code', 'zh-CN': '获取验证码' },
  'bind.resend': { en: 'Send a new code', 'zh-CN': '重新获取验证码' },
  'bind.code': { en: '6-digit code', 'zh-CN': '6 位验证码' },
  'bind.submit': { en: 'Link and sign in', 'zh-CN': '绑定并登录' },
  'bind.sent': { en: 'We sent a code to {phone}. It is valid for 5 minutes.', 'zh-CN': '验证码已发送至 {phone}，5 分钟内有效。' },
  'bind.expired.title': { en: 'Linking timed out', 'zh-CN': '绑定已超时' },
  'bind.expired.body': {
    en: 'The 10 minutes to link your account have passed, or this page was opened in another browser. Scan the WeChat QR code again.',
    'zh-CN': '关联账号的 10 分钟时限已过，或此页面是在其他浏览器中打开的。请重新微信扫码。',
  },
  'bind.error.user_has_other_wechat': {
    en: 'That account is already linked to a different WeChat account. Sign in to it with its password or an SMS code, unlink the other WeChat on your account page, then scan again.',
    'zh-CN': '该账号已绑定其他微信。请先用密码或短信验证码登录该账号，在账号页面解绑原微信后再重新扫码。',
  },
  'bind.error.phone_user_disabled': {
    en: 'The account with this phone number is disabled. Contact your administrator, or use another number.',
    'zh-CN': '该手机号对应的账号已停用。请联系管理员，或使用其他手机号。',
  },
  'bind.error.wechat_already_bound': {
    en: 'This WeChat account has just been linked to another account. Scan again to sign in with it.',
    'zh-CN': '该微信刚刚已绑定到其他账号，请重新扫码登录。',
  },

  'sms.error.invalid_phone': {
    en: 'Enter a valid mobile number of {countries}.',
    'zh-CN': '请输入有效的手机号（{countries}）。',
  },
  'sms.error.country_not_accepted': {
    en: 'Codes can be sent only to mobile numbers of {countries}. Use such a number, or sign in with WeChat or a password.',
    'zh-CN': '验证码只能发送至以下地区的手机号：{countries}。请使用这样的号码，或使用微信、密码登录。',
  },
  'sms.error.too_soon': {
    en: 'A code was just sent. Wait {seconds} seconds before asking for another.',
    'zh-CN': '验证码刚刚已发送，请 {seconds} 秒后再获取。',
  },
  'sms.error.phone_daily_cap': {
    en: 'Too many codes to this number from your network today. Try again tomorrow.',
    'zh-CN': '今日从您的网络向该号码获取验证码次数过多，请明天再试。',
  },
  'sms.error.phone_ceiling': {
    en: 'Too many codes to this number today. Try again tomorrow, or sign in with WeChat or a password.',
    'zh-CN': '该号码今日获取验证码次数过多。请明天再试，或使用微信、密码登录。',
  },
  'sms.error.ip_hourly_cap': {
    en: 'Too many codes requested from your network. Try again in an hour.',
    'zh-CN': '您的网络获取验证码次数过多，请一小时后再试。',
  },
  'sms.error.proof_missing': {
    en: 'A code was already sent to this number from this browser. To send another, this page runs a short automatic check that needs JavaScript: turn JavaScript on and press the button again, or use the code already sent.',
    'zh-CN':
      '此浏览器已向该号码发送过验证码。再次发送前，页面需要运行一次自动验证（需启用 JavaScript）：请启用 JavaScript 后再点一次按钮，或使用已收到的验证码。',
  },
  'sms.error.proof_failed': {
    en: 'The automatic check before sending did not pass or has expired. Press the button again.',
    'zh-CN': '发送前的自动验证未通过或已过期，请再点一次按钮。',
  },
  'sms.challenge.noscript': {
    en: 'Sending another code to the same number needs JavaScript (a short automatic check).',
    'zh-CN': '向同一号码再次发送验证码需要启用 JavaScript（一次简短的自动验证）。',
  },
  'sms.error.budget_spent': {
    en: 'SMS codes are unavailable for the rest of today: the service has sent as many as it may. Sign in with WeChat or a password.',
    'zh-CN': '今日短信验证码已达到本服务的发送上限，暂不可用。请使用微信或密码登录。',
  },
  'sms.error.provider': {
    en: 'The SMS service is unavailable. Try again later, or sign in with WeChat or a password.',
    'zh-CN': '短信服务暂不可用。请稍后重试，或使用微信、密码登录。',
  },
  'sms.error.provider_quota': {
    en: 'SMS codes are unavailable right now. Sign in another way: with WeChat or a password.',
    'zh-CN': '短信验证码暂不可用，请使用其他方式登录：微信或密码。',
  },
  'sms.error.provider_number': {
    en: 'The SMS service cannot deliver to this number. Check it and try again.',
    'zh-CN': '短信服务无法发送到该号码，请检查后重试。',
  },
  'sms.error.provider_limited': {
    en: 'The SMS service refused: too many codes to this number recently. Try again later.',
    'zh-CN': '短信服务拒绝发送：该号码近期获取验证码过多，请稍后再试。',
  },
  'sms.error.no_code': {
    en: 'Ask for a code first, or ask for a new one: the last one has expired or was used.',
    'zh-CN': '请先获取验证码，或重新获取：上一个验证码已过期或已使用。',
  },
  'sms.error.wrong_code': { en: 'That code is not right. {attempts} tries left.', 'zh-CN': '验证码不正确，还可尝试 {attempts} 次。' },
  'sms.error.too_many_attempts': {
    en: 'Too many wrong codes: this code no longer works. Ask for a new one.',
    'zh-CN': '验证码错误次数过多，已失效，请重新获取。',
  },
  'sms.error.expired': { en: 'The code has expired. Ask for a new one.', 'zh-CN': '验证码已过期，请重新获取。' },
  'sms.error.missing_code': { en: 'Enter the 6-digit code from the SMS.', 'zh-CN': '请输入短信中的 6 位验证码。' },
  'account.title': { en: 'Your account', 'zh-CN': '我的账号' },
  'account.link': { en: 'Your account', 'zh-CN': '我的账号' },
  'account.profile': { en: 'Profile', 'zh-CN': '个人资料' },
  'account.name': { en: 'Name', 'zh-CN': '姓名' },
  'account.username': { en: 'Username', 'zh-CN': '用户名' },
  'account.phone': { en: 'Phone', 'zh-CN': '手机号' },
  'account.none': { en: 'not set', 'zh-CN': '未设置' },
  'account.directory': { en: 'Account from', 'zh-CN': '账号来源' },
  'account.directory.unavailable': { en: 'unavailable right now', 'zh-CN': '暂时无法读取' },
  'account.directory.gone': { en: 'no longer there', 'zh-CN': '已不存在' },
  'account.login': { en: 'Login name', 'zh-CN': '登录名' },
  'account.wechat.unnamed': { en: 'WeChat account', 'zh-CN': '微信账号' },
  'account.wechat.app': { en: 'app {app}', 'zh-CN': '应用 {app}' },
  'account.wechat': { en: 'WeChat', 'zh-CN': '微信' },
  'account.wecom': { en: 'WeCom', 'zh-CN': '企业微信' },
  'account.wecom.member': { en: 'member {userid} of {corp}', 'zh-CN': '{corp} 的成员 {userid}' },
  'account.wecom.unbound': {
    en: 'WeCom unlinked. The next WeCom sign-in finds your account by your staff number again, or asks you to link it.',
    'zh-CN': '已解绑企业微信。下次用企业微信登录时，将再次按工号查找您的账号，或请您重新绑定。',
  },
  'account.wechat.none': { en: 'No WeChat account is linked.', 'zh-CN': '尚未绑定微信。' },
  'account.wechat.bound_at': { en: 'linked {date}', 'zh-CN': '绑定于 {date}' },
  'account.wechat.bind': { en: 'Link WeChat (scan a QR code)', 'zh-CN': '绑定微信（扫码）' },
  'account.wechat.unbind': { en: 'Unlink', 'zh-CN': '解绑' },
  'account.wechat.bound': { en: 'WeChat is now linked to your account.', 'zh-CN': '微信已绑定到您的账号。' },
  'account.wechat.unbound': { en: 'WeChat has been unlinked.', 'zh-CN': '已解绑微信。' },
  'account.wechat.cannot_unbind': {
    en: 'WeChat is your only way to sign in. Add a phone number or a password first, then unlink it.',
    'zh-CN': '微信是您唯一的登录方式。请先设置手机号或密码，再解绑。',
  },
  'account.wechat.user_has_other_wechat': {
    en: 'Your account already has a WeChat account linked. Unlink it first.',
    'zh-CN': '您的账号已绑定其他微信，请先解绑。',
  },
  'account.wechat.wechat_already_bound': { en: 'That WeChat account is already linked to another account.', 'zh-CN': '该微信已绑定到其他账号。' },
  'account.sessions': { en: 'Signed-in sessions', 'zh-CN': '登录会话' },
  'account.session.line': { en: 'Since {since}, from {ip}', 'zh-CN': '{since} 起，来自 {ip}' },
  'account.session.current': { en: 'this browser', 'zh-CN': '当前浏览器' },
  'account.logout_all': { en: 'Sign out everywhere', 'zh-CN': '退出所有会话' },
  'account.wechat.not_linked': {
    en: 'WeChat was not linked: the scan expired, was declined, or was started in another browser. Try again.',
    'zh-CN': '微信未绑定：扫码已过期、被拒绝，或是在其他浏览器中发起的。请重试。',
  },
  'login.forgot': { en: 'Forgot password?', 'zh-CN': '忘记密码？' },
  'login.activate': { en: 'Activate your account', 'zh-CN': '激活账号' },
  'sms.login.password_required': {
    en: 'This account has a password, and this number has not signed in to it before (numbers are re-issued to other people): sign in with the password.',
    'zh-CN': '该账号设有密码，且此号码从未用于登录该账号（号码可能已被运营商二次放号）：请使用密码登录。',
  },
  'bind.error.password_required': {
    en: 'The account with this number has a password, and this number has never signed in to it (numbers are re-issued to other people): link with its login name and password instead.',
    'zh-CN': '该号码对应的账号设有密码，且此号码从未用于登录该账号（号码可能已被运营商二次放号）：请改用登录名和密码绑定。',
  },
  'recovery.forgot.title': { en: 'Reset your password', 'zh-CN': '找回密码' },
  'recovery.activate.title': { en: 'Activate your account', 'zh-CN': '激活账号' },
  'recovery.forgot.intro': {
    en: 'Enter your login name and the phone number bound to your account: a code goes to that number.',
    'zh-CN': '请输入登录名和账号绑定的手机号，验证码将发送到该号码。',
  },
  'recovery.activate.intro': {
    en: 'For an account made for you that has no password yet: enter your login name and the phone number it has, prove the number by its code and choose a password.',
    'zh-CN': '适用于管理员为您创建、尚未设置密码的账号：请输入登录名和账号登记的手机号，用验证码证明号码归属后设置密码。',
  },
  'recovery.activate.intro_id': {
    en: 'If your account has no phone number, give the last 6 characters of your ID number and the number to bind to it.',
    'zh-CN': '如果账号未登记手机号，请填写身份证号后六位和要绑定的手机号。',
  },
  'recovery.login': { en: 'Login name', 'zh-CN': '登录名（学号/工号）' },
  'recovery.phone': { en: 'Phone number', 'zh-CN': '手机号' },
  'recovery.id_suffix': {
    en: 'Last 6 characters of your ID number (only if your account has no phone)',
    'zh-CN': '身份证号后六位（仅在账号未登记手机号时填写）',
  },
  'recovery.send': { en: 'Send code', 'zh-CN': '发送验证码' },
  'recovery.sent': {
    en: 'If {login} has this number, a code is on its way to {phone}.',
    'zh-CN': '如果账号 {login} 绑定的是此号码，验证码已发送至 {phone}。',
  },
  'recovery.activate.sent': {
    en: 'If {login} can be activated with these details, a code is on its way to {phone}.',
    'zh-CN': '如果账号 {login} 可以用以上信息激活，验证码已发送至 {phone}。',
  },
  'recovery.code': { en: 'Code', 'zh-CN': '验证码' },
  'recovery.new_password': { en: 'New password', 'zh-CN': '新密码' },
  'recovery.again': { en: 'New password again', 'zh-CN': '再次输入新密码' },
  'recovery.policy': {
    en: 'At least {min} characters of at least {classes} kinds (lower case, upper case, digits, symbols); not your login name, name or phone, not a common password.',
    'zh-CN': '至少 {min} 位，至少包含 {classes} 类字符（小写字母、大写字母、数字、符号）；不能包含登录名、姓名或手机号，不能是常见密码。',
  },
  'recovery.forgot.submit': { en: 'Reset the password and sign in', 'zh-CN': '重置密码并登录' },
  'recovery.activate.submit': { en: 'Activate and sign in', 'zh-CN': '激活并登录' },
  'recovery.directory_note': {
    en: 'Accounts of {directories} keep their password there: wecas cannot change it.',
    'zh-CN': '{directories} 的账号密码由该系统自己管理，本服务无法修改。',
  },
  'recovery.directory_link': { en: 'Change it on the directory’s own password page', 'zh-CN': '前往该系统的密码页面修改' },
  'recovery.back': { en: 'Back to sign in', 'zh-CN': '返回登录' },
  'recovery.error.no_match': {
    en: 'No account with that login name has this phone number, or it cannot be reset or activated this way.',
    'zh-CN': '没有使用该登录名并绑定此手机号的账号，或该账号不能以这种方式重置或激活。',
  },
  'recovery.error.passwords_differ': { en: 'The two passwords are not the same.', 'zh-CN': '两次输入的密码不一致。' },
  'recovery.error.too_short': { en: 'The password must have at least {min} characters.', 'zh-CN': '密码至少需要 {min} 位。' },
  'recovery.error.too_long': { en: 'The password may have at most {max} characters.', 'zh-CN': '密码最多 {max} 位。' },
  'recovery.error.too_few_classes': {
    en: 'The password must mix at least {classes} kinds of characters: lower case, upper case, digits, symbols.',
    'zh-CN': '密码至少需要包含 {classes} 类字符：小写字母、大写字母、数字、符号。',
  },
  'recovery.error.contains_name': {
    en: 'The password must not contain your login name, your name or your phone number.',
    'zh-CN': '密码不能包含登录名、姓名或手机号。',
  },
  'recovery.error.common': { en: 'This password is one of the most common ones. Choose another.', 'zh-CN': '该密码属于最常见的密码，请另选一个。' },
  'recovery.error.disabled': { en: 'This account is disabled. Contact your administrator.', 'zh-CN': '该账号已停用，请联系管理员。' },
  'recovery.error.phone_taken': { en: 'This number belongs to another account.', 'zh-CN': '该号码已绑定其他账号。' },
  'recovery.error.same_phone': { en: 'That is already your number.', 'zh-CN': '这已经是您当前的号码。' },
  'recovery.error.no_old_phone': {
    en: 'Your account has no phone number yet: prove the new one with its code and your password.',
    'zh-CN': '您的账号尚未绑定手机号：请用新号码的验证码和当前密码证明。',
  },
  'recovery.error.missing_fields': { en: 'Fill in every field.', 'zh-CN': '请填写所有必填项。' },
  'recovery.error.wrong_password': { en: 'The password is not correct.', 'zh-CN': '密码不正确。' },
  'account.phone.change': { en: 'Change phone number', 'zh-CN': '更换手机号' },
  'account.password.reset': { en: 'Reset password by SMS code', 'zh-CN': '通过短信验证码重置密码' },
  'phone.title': { en: 'Change your phone number', 'zh-CN': '更换手机号' },
  'phone.current': { en: 'Current number', 'zh-CN': '当前号码' },
  'phone.new': { en: 'New number', 'zh-CN': '新手机号' },
  'phone.send_new': { en: 'Send a code to the new number', 'zh-CN': '向新号码发送验证码' },
  'phone.send_old': { en: 'Send a code to the current number', 'zh-CN': '向当前号码发送验证码' },
  'phone.new_code': { en: 'Code sent to the new number', 'zh-CN': '新号码收到的验证码' },
  'phone.old_code': { en: 'Code sent to the current number', 'zh-CN': '当前号码收到的验证码' },
  'phone.prove_old': { en: 'Prove the current number by its code, or give your password:', 'zh-CN': '请用当前号码的验证码证明，或输入当前密码：' },
  'phone.password': { en: 'Current password', 'zh-CN': '当前密码' },
  'phone.submit': { en: 'Change the number', 'zh-CN': '更换号码' },
  'phone.lost.heading': { en: 'Lost your old number?', 'zh-CN': '原号码已无法使用？' },
  'phone.lost.body': {
    en: 'Prove the new number by its code and say what happened: an administrator checks and decides. Until then the account keeps its number.',
    'zh-CN': '请用新号码的验证码证明号码归属，并说明情况：管理员审核后处理，在此之前账号仍使用原号码。',
  },
  'phone.reason': { en: 'What happened', 'zh-CN': '情况说明' },
  'phone.appeal.submit': { en: 'Send the request', 'zh-CN': '提交申请' },
  'phone.appeal.recorded': {
    en: 'Your request is recorded. An administrator will decide; until then your account keeps its number.',
    'zh-CN': '申请已提交。管理员审核前，账号仍使用原号码。',
  },
  'phone.appeal.pending': {
    en: 'A request to change your number is waiting for an administrator.',
    'zh-CN': '您有一个更换手机号的申请正在等待管理员审核。',
  },
  'phone.sent': { en: 'A code is on its way to {phone}.', 'zh-CN': '验证码已发送至 {phone}。' },
  'phone.changed': { en: 'Your phone number is now {phone}.', 'zh-CN': '您的手机号已更换为 {phone}。' },
  'account.phone.changed': { en: 'Your phone number has been changed.', 'zh-CN': '手机号已更换。' },
  'account.bad_form': { en: 'This form has expired. Try again.', 'zh-CN': '表单已失效，请重试。' },
  'outbox.title': { en: 'SMS outbox (development)', 'zh-CN': '短信发件箱（开发用）' },
  'outbox.body': {
    en: 'No SMS leaves this machine in development: the codes wecas would have sent are listed here, newest first.',
    'zh-CN': '开发模式下不会真正发送短信：wecas 本应发送的验证码列在这里，最新的在前。',
  },
  'outbox.empty': { en: 'No codes sent yet.', 'zh-CN': '暂无验证码。' },
  'outbox.line': { en: '{time} · {phone} · code {code} ({purpose})', 'zh-CN': '{time} · {phone} · 验证码 {code}（{purpose}）' },
  'sms.login.phone': { en: 'Mobile number, {countries}', 'zh-CN': '手机号（{countries}）' },
  'sms.login.send': { en: 'Send code', 'zh-CN': '获取验证码' },
  'sms.login.code': { en: '6-digit code', 'zh-CN': '6 位验证码' },
  'sms.login.submit': { en: 'Sign in', 'zh-CN': '登录' },
  'sms.login.sent': {
    en: 'If {phone} can receive SMS, a code is on its way. It is valid for 5 minutes.',
    'zh-CN': '若 {phone} 可以接收短信，验证码已发出，5 分钟内有效。',
  },
  'sms.login.no_account': {
    en: 'There is no account for this number. Sign in with WeChat to create one, then link this number.',
    'zh-CN': '该手机号尚无账号。请使用微信扫码登录以创建账号，并绑定该手机号。',
  },
  'sms.login.disabled': {
    en: 'The account with this number is disabled. Contact your administrator.',
    'zh-CN': '该手机号对应的账号已停用，请联系管理员。',
  },
  'post.title': { en: 'Continuing to the application…', 'zh-CN': '正在跳转到应用…' },
  'post.continue': { en: 'Continue', 'zh-CN': '继续' },
  'post.noscript': { en: 'JavaScript is off: press Continue to go on.', 'zh-CN': '浏览器未启用 JavaScript，请点击“继续”。' },
  'continue.title': { en: 'Continuing to the application…', 'zh-CN': '正在跳转到应用…' },
  'continue.body': {
    en: 'You are signed in. If the application does not open by itself, press Continue.',
    'zh-CN': '您已登录。如果应用没有自动打开，请点击“继续”。',
  },
  'continue.button': { en: 'Continue', 'zh-CN': '继续' },
  'continue.gone.title': { en: 'This link no longer works', 'zh-CN': '此链接已失效' },
  'continue.gone.body': {
    en: 'The way back to the application works once, in the browser that signed in, for a short time. Return to the application and open it again: if you are still signed in, it will let you in without asking.',
    'zh-CN':
      '返回应用的链接只能在登录所用的浏览器中、在短时间内使用一次。请回到应用重新打开：如果您仍处于登录状态，应用会直接让您进入，无需再次登录。',
  },
} as const satisfies Record<string, { en: string; 'zh-CN': string }>;

export type MessageKey = keyof typeof messages;
