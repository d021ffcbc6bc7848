// The `apiClient` handed to a connector's `test` (also as `externalApiClient`), built from the
// evaluated makeApiClient configuration: base URL (`baseUrl`/`baseUri`), `headers`, default query
// (`defaultQueryParameters`/`query`) and basic `auth`. Registered as the context-object maker
// `apiClient`; the executor's options say whether `responseHandlers` and request signing apply
// (both answered by session services: ServiceAsks of the bridge protocol, js_runtime/bridge.py) and how
// long 429 retries may go on (`retryBudgetMs`). The errors it marks with __ceError carry contract codes.
// Resolves to an axios response and rejects like axios on a non-2xx status, except that:
//  - 429 is retried with exponential backoff (or Retry-After) while the job's time allows, then
//    rejected carrying RATE_LIMIT_EXCEEDED; 401 rejects carrying ACCESS_TOKEN_EXPIRED;
//  - `responseHandlers`, evaluated by the session's formula engine, may override both;
//  - with `signRequests` (OAuth1), each attempt is signed by the session's `signRequest` service.
{
  const axios = host.axios;
  const MAX_RATE_LIMIT_RETRIES = 5;
  const FIRST_BACKOFF_MS = 250;
  const JOB_ERRORS = {
    401: ['ACCESS_TOKEN_EXPIRED', 'Unauthorized'],
    429: ['RATE_LIMIT_EXCEEDED', 'Too Many Requests'],
  };

  const isSuccess = (status) => status >= 200 && status < 300;  // axios's default validateStatus
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function statusError(response) {
    const code = response.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST';
    const error = new axios.AxiosError('Request failed with status code ' + response.status, code,
      response.config, response.request, response);
    const known = JOB_ERRORS[response.status];
    if (known) {
      host.http.hide(error, '__ceError', {
        code: known[0], message: 'The API answered ' + response.status + ' ' + (response.statusText || known[1]),
      });
    }
    return error;
  }

  function handlerError(response, decision) {
    const error = new axios.AxiosError(decision.message || 'Request failed with status code ' + response.status,
      'ERR_BAD_RESPONSE', response.config, response.request, response);
    if (decision.key) error.key = decision.key;
    if (decision.code) host.http.hide(error, '__ceError', { code: decision.code, message: error.message });
    return error;
  }

  function retryDelay(response, attempt) {
    const header = Number(response.headers && response.headers['retry-after']);
    return Number.isFinite(header) && header >= 0 ? header * 1000 : FIRST_BACKOFF_MS * 2 ** attempt;
  }

  host.makers.apiClient = function makeApiClient(config, options) {
    const spec = config || {};
    const opts = options || {};
    const deadline = Date.now() + (opts.retryBudgetMs || 0);
    const instance = axios.create({
      baseURL: spec.baseUrl || spec.baseUri,
      headers: spec.headers || {},
      params: spec.defaultQueryParameters || spec.query,
      auth: spec.auth,
    });

    async function decide(response) {
      if (!opts.responseHandlers) return null;
      const view = { status: response.status, headers: { ...response.headers }, data: response.data };
      return host.call('responseHandlers', view);
    }

    async function signed(requestConfig) {
      if (!opts.signRequests) return requestConfig;
      const data = requestConfig.data;
      const form = data instanceof URLSearchParams;
      const payload = {
        method: String(requestConfig.method || 'get').toUpperCase(),
        url: instance.getUri(requestConfig),
        body: form ? data.toString() : null,
        contentType: form ? 'application/x-www-form-urlencoded' : null,
      };
      const { authorization } = await host.call('signRequest', payload);
      return { ...requestConfig, headers: { ...(requestConfig.headers || {}), Authorization: authorization } };
    }

    async function send(requestConfig) {
      for (let attempt = 0; ; attempt++) {
        const attemptConfig = await signed(requestConfig);
        const response = await instance.request({ ...attemptConfig, validateStatus: () => true });
        const decision = await decide(response);
        if (decision && decision.action === 'error') throw handlerError(response, decision);
        if (decision && decision.action === 'success') {
          if ('data' in decision) response.data = decision.data;
          return response;
        }
        if ((requestConfig.validateStatus || isSuccess)(response.status)) return response;
        const wait = retryDelay(response, attempt);
        const retry = response.status === 429 && attempt < MAX_RATE_LIMIT_RETRIES && Date.now() + wait < deadline;
        if (!retry) throw statusError(response);
        await sleep(wait);
      }
    }

    const client = {
      request: (cfg) => send(cfg),
      get: (url, cfg) => send({ ...cfg, method: 'get', url }),
      delete: (url, cfg) => send({ ...cfg, method: 'delete', url }),
      head: (url, cfg) => send({ ...cfg, method: 'head', url }),
      options: (url, cfg) => send({ ...cfg, method: 'options', url }),
      post: (url, data, cfg) => send({ ...cfg, method: 'post', url, data }),
      put: (url, data, cfg) => send({ ...cfg, method: 'put', url, data }),
      patch: (url, data, cfg) => send({ ...cfg, method: 'patch', url, data }),
    };
    return client;
  };
}
