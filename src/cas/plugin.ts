import type { FastifyInstance } from 'fastify';
import { registerAccountRoutes } from './account-routes.js';
import { createLoginPage } from './login-page.js';
import { registerLoginRoutes } from './login-routes.js';
import { registerSmsLoginRoutes } from './sms-login-routes.js';
import { registerLogoutRoutes } from './logout-routes.js';
import type { CasRoutes } from './sign-in.js';
import { registerValidationRoutes } from './validate-routes.js';
import { registerWeChatRoutes } from './wechat-routes.js';

/** The CAS protocol endpoints, registered under the configured prefix. */
export async function casPlugin(app: FastifyInstance, routes: CasRoutes): Promise<void> {
  const loginPage = createLoginPage(routes);
  registerLoginRoutes(app, routes, loginPage);
  registerSmsLoginRoutes(app, routes, loginPage);
  registerLogoutRoutes(app, routes);
  registerValidationRoutes(app, routes);
  registerAccountRoutes(app, routes);
  if (routes.ctx.wechatLogin) registerWeChatRoutes(app, routes, routes.ctx.wechatLogin);
}
