// WeChat's error codes for the sns/* APIs (docs/wechat-open-platform.md §8) and the messages it sends with them.
import { newRequestId } from './ids.js';

export const ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  // 40002 is WeChat's global code for a bad grant_type; its use on sns/* is unverified.
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40030: 'invalid refresh_token',
  40125: 'invalid appsecret',
  40163: 'code been used',
  41001: 'access_token missing',
  41002: 'appid missing',
  41003: 'refresh_token missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  41009: 'missing openid',
  42001: 'access_token expired',
  42002: 'refresh_token expired',
  42003: 'code expired',
  48001: 'api unauthorized',
  45011: 'api minute-quota reach limit, must slower, retry next minute',
};

export interface SnsError {
  errcode: number;
  errmsg: string;
}

/** `{"errcode":N,"errmsg":"text, rid: xxxxxxxx-xxxxxxxx-xxxxxxxx"}` as WeChat sends today. */
export function snsError(errcode: number, errmsg: string = ERRMSG[errcode] ?? 'system error'): SnsError {
  return { errcode, errmsg: `${errmsg}, rid: ${newRequestId()}` };
}

export function isSnsError(value: object): value is SnsError {
  return 'errcode' in value;
}
