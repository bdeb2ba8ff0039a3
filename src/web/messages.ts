/** Every text a page shows, in both languages. Keys are grouped by page; `{name}` marks a value filled in. */
export const messages = {
  'app.name': { en: 'wecas sign-in', 'zh-CN': 'wecas 统一登录' },
  'lang.switch': { en: '中文', 'zh-CN': 'English' },
  'dev.banner': {
    en: 'Development mode: WeChat is emulated and SMS codes go to the outbox. Not for production.',
    'zh-CN': '开发模式：微信为模拟器，短信验证码写入本地发件箱。请勿用于生产环境。',
  },

  'login.title': { en: 'Sign in', 'zh-CN': '登录' },
  'login.to_service': { en: 'to continue to {service}', 'zh-CN': '以继续访问 {service}' },
  'login.tab.password': { en: 'Password', 'zh-CN': '密码登录' },
  'login.tab.sms': { en: 'SMS code', 'zh-CN': '短信验证码' },
  'login.tab.wechat': { en: 'WeChat', 'zh-CN': '微信扫码' },
  'login.username': { en: 'Username', 'zh-CN': '用户名' },
  'login.password': { en: 'Password', 'zh-CN': '密码' },
  'login.submit': { en: 'Sign in', 'zh-CN': '登录' },
  'login.warn': { en: 'Ask me before signing me in to other applications', 'zh-CN': '登录其他应用前提醒我' },
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
  'error.internal.title': { en: 'The sign-in service is unavailable', 'zh-CN': '登录服务暂不可用' },
  'error.internal.body': {
    en: 'The sign-in service could not complete your request. Wait a moment and try again.',
    'zh-CN': '登录服务暂时无法完成您的请求，请稍后重试。',
  },
  'error.not_found.title': { en: 'Page not found', 'zh-CN': '页面不存在' },
  'error.not_found.body': { en: 'There is no page at this address.', 'zh-CN': '该地址没有对应的页面。' },
  'error.too_many.title': { en: 'Too many requests', 'zh-CN': '请求过于频繁' },
  'error.too_many.body': { en: 'Too many requests from your network. Wait a minute and try again.', 'zh-CN': '您的网络请求过于频繁，请稍候一分钟再试。' },
  'error.bad_request.title': { en: 'Bad request', 'zh-CN': '请求有误' },
  'error.bad_request.body': { en: 'The request could not be understood. Go back and try again.', 'zh-CN': '无法理解该请求，请返回后重试。' },

  'post.title': { en: 'Continuing to the application…', 'zh-CN': '正在跳转到应用…' },
  'post.continue': { en: 'Continue', 'zh-CN': '继续' },
  'post.noscript': { en: 'JavaScript is off: press Continue to go on.', 'zh-CN': '浏览器未启用 JavaScript，请点击“继续”。' },
} as const satisfies Record<string, { en: string; 'zh-CN': string }>;

export type MessageKey = keyof typeof messages;
