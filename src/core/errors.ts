/**
 * Errors are values: an ApiError carries an HTTP status, a stable machine code, Kling's numeric code and a sentence
 * that says what to do. `toResponse` (used by the one error handler in app.ts) turns any error into the body of
 * the caller's wire format; 5xx messages are never shown.
 */
export type Dialect = 'openai' | 'kling' | 'native';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly kling: number,
    readonly retryAfterS?: number,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const errors = {
  authMissing: () => new ApiError(401, 'missing_api_key', 'send "Authorization: Bearer <key>": the secret key, or (Kling format) a JWT signed HS256 with it', 1001),
  authInvalid: (why = 'the key is not valid') => new ApiError(401, 'invalid_api_key', `${why}; create a key with "kineo keys create --name NAME"`, 1002),
  authFailed: (why: string) => new ApiError(401, 'authentication_failed', why, 1000),
  tokenNotYetValid: () => new ApiError(401, 'token_not_yet_valid', 'the JWT is not valid yet (nbf is in the future); check the clock or set nbf a few seconds in the past', 1003),
  tokenExpired: () => new ApiError(401, 'token_expired', 'the JWT has expired (exp is in the past); sign a fresh one', 1004),
  insufficientCredits: (balance: number, price: number) =>
    new ApiError(402, 'insufficient_credits', `this key has ${balance} credits and a clip costs ${price}; add credits with "kineo keys credit"`, 1102),
  /** A prompt in which the model finds nothing it can draw (refused before payment). */
  promptUnusable: (message: string, param = 'prompt') => new ApiError(400, 'prompt_unusable', message, 1201, undefined, param),
  invalid: (message: string, param?: string) => new ApiError(400, 'invalid_request', message, 1201, undefined, param),
  unsupported: (message: string, param?: string) => new ApiError(400, 'unsupported_parameter', message, 1201, undefined, param),
  badJson: (message: string) => new ApiError(400, 'invalid_json', message, 1200),
  /** A multipart/form-data body busboy cannot read (no boundary, cut short, a malformed part). */
  badMultipart: (why: string) => new ApiError(400, 'invalid_multipart', `the multipart/form-data body cannot be read (${why.slice(0, 200)}); send a body with the boundary its Content-Type names, or JSON`, 1200),
  tooLarge: (message: string) => new ApiError(413, 'payload_too_large', message, 1200),
  unsupportedMedia: (message: string) => new ApiError(415, 'unsupported_media_type', message, 1200),
  /** A picture that is not a PNG, JPEG or WebP we can read. */
  imageInvalid: (message: string, param: string) => new ApiError(400, 'invalid_image', message, 1201, undefined, param),
  /** A picture over the byte or pixel limit (refused from its header, before anything decodes it). */
  imageTooLarge: (message: string, param: string) => new ApiError(413, 'image_too_large', message, 1200, undefined, param),
  /** A clip to extend that is not a video we can read. */
  videoInvalid: (message: string, param: string) => new ApiError(400, 'invalid_video', message, 1201, undefined, param),
  /** An extension whose stitched length would pass the configured maximum. */
  videoTooLong: (message: string, param: string) => new ApiError(400, 'video_too_long', message, 1201, undefined, param),
  /** An input URL that could not be fetched (its server failed or answered with an error). */
  inputUnreachable: (message: string, param: string) => new ApiError(400, 'input_unreachable', message, 1201, undefined, param),
  urlRefused: (message: string, param?: string) => new ApiError(400, 'url_not_allowed', message, 1201, undefined, param),
  notFound: (what: string) => new ApiError(404, 'not_found', `${what} was not found`, 1203),
  routeNotFound: (method: string, url: string) => new ApiError(404, 'route_not_found', `no route ${method} ${url.split('?')[0]}; see /openapi.json`, 1202),
  conflict: (code: string, message: string) => new ApiError(409, code, message, 1201),
  keyBusy: (active: number, retryAfterS: number) =>
    new ApiError(429, 'concurrency_limit', `this key already has ${active} unfinished tasks (its limit); retry after ${retryAfterS} s`, 1303, retryAfterS),
  queueFull: (retryAfterS: number) => new ApiError(429, 'queue_full', `the server's queue is full; retry after ${retryAfterS} s`, 1303, retryAfterS),
  notReady: (why: string) => new ApiError(503, 'not_ready', why, 5001, 5),
  internal: () => new ApiError(500, 'internal_error', 'the server failed; the error is in its log under this request id', 5000),
};

/** Any thrown value → an ApiError: ours as is, Fastify's 4xx (broken JSON, body too large…) mapped, the rest 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  const message = String(e?.message ?? 'request failed');
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.badJson(`the body is not valid JSON (${message}); send one JSON object`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return errors.tooLarge(`the request is too large (${message})`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMedia('send application/json (or multipart/form-data where a file is allowed)');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return errors.unsupportedMedia('this body must be multipart/form-data');
  }
  if (err instanceof SyntaxError && status === 400) return errors.badJson(`the body is not valid JSON (${message})`);
  if (status === 413) return errors.tooLarge(message);
  if (status === 415) return errors.unsupportedMedia(message);
  if (status >= 400 && status < 500) return new ApiError(status, 'invalid_request', message, 1200);
  return errors.internal();
}

/** The response body of an error in each wire format. */
export function errorBody(err: ApiError, dialect: Dialect, requestId: string): Record<string, unknown> {
  if (dialect === 'kling') return { code: err.kling, message: err.message, request_id: requestId, data: null };
  return {
    error: {
      code: err.code,
      message: err.message,
      type: err.status >= 500 ? 'server_error' : err.status === 401 ? 'authentication_error' : 'invalid_request_error',
      param: err.param ?? null,
    },
  };
}
