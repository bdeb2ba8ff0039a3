/**
 * The JSON API convention WeChat's and WeCom's servers share (api.weixin.qq.com, qyapi.weixin.qq.com): a GET with
 * query parameters, an answer that is a JSON object, and a refusal as a non-zero `errcode` with its `errmsg`, sent
 * with HTTP 200 and whatever content type. Each call has a timeout and follows no redirect; what fails is thrown as
 * the caller's own error type, and every finished call can be observed for metrics. The parameters (secrets,
 * tokens, codes) never go into an error message.
 */

/** One finished API call: `errcode` is `0` on success, the API's errcode, or the failure kind (`unavailable`, `malformed`). */
export interface ApiCallObservation {
  endpoint: string;
  errcode: string;
  seconds: number;
}

/** What the clients' error types have in common: a kind, and the API's errcode when it gave one. */
export type ApiError = Error & { kind: string; errcode?: number | undefined };

export interface JsonApiSettings<E extends ApiError> {
  /** e.g. `https://api.weixin.qq.com`; a trailing slash is ignored. */
  baseUrl: string;
  timeoutMs: number;
  fetch: typeof fetch;
  /** A failure of the call itself: not reached or timed out, an HTTP error, a body that is not a JSON object. */
  failure: (kind: 'unavailable' | 'malformed', endpoint: string, message: string) => E;
  /** The API's own refusal: a non-zero errcode. */
  refusal: (endpoint: string, errcode: number, errmsg: string) => E;
  observe?: ((call: ApiCallObservation) => void) | undefined;
}

/** `get(endpoint, params)`: the answer as an object, or the settings' error. */
export type JsonApi = (endpoint: string, params: Record<string, string>) => Promise<Record<string, unknown>>;

export function createJsonApi<E extends ApiError>(settings: JsonApiSettings<E>): JsonApi {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const { failure, observe, fetch: fetchImpl } = settings;

  async function request(endpoint: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const url = `${base}/${endpoint}?${new URLSearchParams(params)}`;
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(url, { signal: AbortSignal.timeout(settings.timeoutMs), redirect: 'error' });
      text = await res.text();
    } catch (err) {
      const reason = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'timed out' : 'could not be reached';
      throw failure('unavailable', endpoint, `${endpoint} ${reason}`);
    }
    if (res.status >= 500) throw failure('unavailable', endpoint, `${endpoint} answered HTTP ${res.status}`);
    // Refusals come with HTTP 200 and a text/plain content type: the body is read whatever the type says.
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw failure('malformed', endpoint, `${endpoint} answered HTTP ${res.status} with a body that is not JSON`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw failure('malformed', endpoint, `${endpoint} answered with JSON that is not an object`);
    const record = body as Record<string, unknown>;
    if (typeof record.errcode === 'number' && record.errcode !== 0)
      throw settings.refusal(endpoint, record.errcode, typeof record.errmsg === 'string' ? record.errmsg : '');
    if (res.status !== 200) throw failure('unavailable', endpoint, `${endpoint} answered HTTP ${res.status}`);
    return record;
  }

  if (!observe) return request;
  return async (endpoint, params) => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const body = await request(endpoint, params);
      observe({ endpoint, errcode: '0', seconds: seconds() });
      return body;
    } catch (err) {
      observe({ endpoint, errcode: isApiError(err) ? String(err.errcode ?? err.kind) : 'unavailable', seconds: seconds() });
      throw err;
    }
  };
}

function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && typeof (err as { kind?: unknown }).kind === 'string';
}
