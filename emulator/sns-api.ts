// WeChat's server APIs (api.weixin.qq.com/sns/...): GET with query parameters, HTTP 200 for success
// and for business errors, JSON in a text/plain body with `/` escaped as `\/` (docs/wechat-open-platform.md §5.1).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Emulator } from './emulator.js';
import { PLACEHOLDER_AVATAR_KEY } from './emulator.js';
import type { SnsApi } from './faults.js';
import { unionidFor } from './ids.js';
import { ACCESS_TOKEN_LIFETIME_MS, type Grant } from './oauth.js';
import { queryParam } from './params.js';
import { findRegion, type UserinfoLang } from './personas.js';
import { isSnsError, type SnsError, snsError } from './sns-errors.js';

const EXPIRES_IN = ACCESS_TOKEN_LIFETIME_MS / 1000;

/** WeChat escapes `/` inside strings (visible in `headimgurl`); still valid JSON. */
export function serializeSns(body: object): string {
  return JSON.stringify(body).replace(/\//g, '\\/');
}

type Handler = (q: (name: string) => string | undefined) => object;

export function registerSnsApi(app: FastifyInstance, emulator: Emulator): void {
  const route = (api: SnsApi, path: string, handler: Handler): void => {
    app.get(path, async (request: FastifyRequest, reply) => {
      const contentType = emulator.settings.snsContentType;
      const fault = emulator.faults.take(api);
      if (fault && (await emulator.faults.apply(fault, reply, contentType))) return reply;
      return reply.type(contentType).send(serializeSns(handler((name) => queryParam(request, name))));
    });
  };

  // Missing parameters are reported before anything is looked up; the order among several
  // missing ones is unverified. A wrong grant_type gets WeChat's global 40002 (unverified on sns/*).
  route('access_token', '/sns/oauth2/access_token', (q) => {
    const appid = q('appid');
    const secret = q('secret');
    const code = q('code');
    if (!appid) return snsError(41002);
    if (!secret) return snsError(41004);
    if (!code) return snsError(41008);
    if (q('grant_type') !== 'authorization_code') return snsError(40002);
    const registered = emulator.app(appid);
    if (!registered) return snsError(40013);
    if (registered.appSecret !== secret) return snsError(40125);
    const grant = emulator.oauth.exchangeCode(appid, code);
    if (isSnsError(grant)) return grant;
    // Official Accounts: `is_snapshotuser` only for a snapshot-page virtual account; `unionid` only for
    // snsapi_userinfo (the app is assumed bound to the Open Platform account). Website login: always `unionid`.
    return {
      ...tokenFields(grant),
      ...(grant.snapshot ? { is_snapshotuser: 1 } : {}),
      ...(grant.scope === 'snsapi_base' ? {} : { unionid: unionidFor(grant.personaId) }),
    };
  });

  route('refresh_token', '/sns/oauth2/refresh_token', (q) => {
    const appid = q('appid');
    const refreshToken = q('refresh_token');
    if (!appid) return snsError(41002);
    if (q('grant_type') !== 'refresh_token') return snsError(40002);
    if (!refreshToken) return snsError(41003);
    if (!emulator.app(appid)) return snsError(40013);
    const grant = emulator.oauth.refresh(appid, refreshToken);
    // No unionid in the refresh answer, as documented.
    return isSnsError(grant) ? grant : tokenFields(grant);
  });

  route('auth', '/sns/auth', (q) => {
    const grant = checkedGrant(emulator, q);
    return isSnsError(grant) ? grant : { errcode: 0, errmsg: 'ok' };
  });

  route('userinfo', '/sns/userinfo', (q) => {
    const grant = checkedGrant(emulator, q);
    if (isSnsError(grant)) return grant;
    // A silent (snsapi_base) authorization, snapshot ones included, grants no profile.
    if (grant.scope === 'snsapi_base') return snsError(48001);
    return userinfo(emulator, grant, userinfoLang(q('lang')));
  });
}

function tokenFields(grant: Grant): object {
  return {
    access_token: grant.accessToken,
    expires_in: EXPIRES_IN,
    refresh_token: grant.refreshToken,
    openid: grant.openid,
    scope: grant.scope,
  };
}

function checkedGrant(emulator: Emulator, q: (name: string) => string | undefined): Grant | SnsError {
  const accessToken = q('access_token');
  const openid = q('openid');
  if (!accessToken) return snsError(41001);
  if (!openid) return snsError(41009);
  return emulator.oauth.checkAccessToken(accessToken, openid);
}

/** Unknown `lang` values fall back to zh_CN (WeChat's answer to them is unverified). */
function userinfoLang(value: string | undefined): UserinfoLang {
  return value === 'en' || value === 'zh_TW' ? value : 'zh_CN';
}

/** Field order as in WeChat's answers; never a phone number or e-mail; `privilege` is `[]`. */
function userinfo(emulator: Emulator, grant: Grant, lang: UserinfoLang): object {
  const persona = emulator.persona(grant.personaId);
  const mode = emulator.settings.profileMode;
  const region = mode === 'legacy' ? findRegion(persona.regionId) : undefined;
  const placeholder = mode === 'placeholder';
  return {
    openid: grant.openid,
    nickname: placeholder ? '微信用户' : persona.nickname,
    sex: mode === 'legacy' ? persona.sex : 0,
    language: mode === 'legacy' ? lang : '',
    city: region?.city[lang] ?? '',
    province: region?.province[lang] ?? '',
    country: region?.country[lang] ?? '',
    headimgurl: emulator.headimgurl(placeholder ? PLACEHOLDER_AVATAR_KEY : persona.avatarKey),
    privilege: [],
    unionid: unionidFor(grant.personaId),
  };
}
