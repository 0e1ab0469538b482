/**
 * Every API error is `{"error":{"code","message","details"?}}` with a stable code clients can
 * branch on. Codes are listed here and in the OpenAPI document; never rename one.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { InvalidBlobKeyError } from '../storage/blob-store';
import { isOutOfSpace } from '../storage/out-of-space';

export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  EMPTY_TEXT: 400,
  K_OUT_OF_RANGE: 400,
  DUPLICATE_MESSAGE_ID: 400,
  INVALID_JSON: 400,
  NO_FILES: 400,
  MALFORMED_MULTIPART: 400,
  MALFORMED_BODY: 400,
  INVALID_CONTENT_ENCODING: 400,
  INVALID_PATH: 400,
  INVALID_BLOB_KEY: 400,
  INVALID_CURSOR: 400,
  REQUEST_ABORTED: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_SIGNATURE: 403,
  SIGNATURE_EXPIRED: 403,
  ALBUM_NOT_FOUND: 404,
  PHOTO_NOT_FOUND: 404,
  BLOB_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  STYLE_NOT_FOUND: 404,
  STYLE_REFERENCE_NOT_FOUND: 404,
  REPORT_NOT_FOUND: 404,
  UNKNOWN_USER: 404,
  REINDEX_NOT_FOUND: 404,
  PERSON_NOT_FOUND: 404,
  FACE_NOT_FOUND: 404,
  FACE_NOT_IN_PERSON: 409,
  ALBUM_CLOSED: 409,
  ALBUM_NOT_FINISHED: 409,
  JOB_FINISHED: 409,
  UPLOAD_EXISTS: 409,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_CONTENT_ENCODING: 415,
  // Semantic limits are 422: the request is well-formed and within size, its content is not acceptable.
  TOO_MANY_FILES: 422,
  TEXT_TOO_LONG: 422,
  MERGE_INTO_ITSELF: 422,
  INVALID_PERSON_NAME: 422,
  TOO_MANY_MESSAGES: 422,
  SIZE_MISMATCH: 422,
  THUMBNAIL_UNAVAILABLE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_MANY_UPLOADS: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  SERVER_BUSY: 503,
  INSUFFICIENT_STORAGE: 507,
  CONSOLE_NOT_BUILT: 503,
  TEMPORAL_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Seconds a client should wait before retrying a 503 TEMPORAL_UNAVAILABLE. */
export const TEMPORAL_RETRY_AFTER_SECONDS = 5;

/** Retry-After of each code a client should retry later; an ApiError's own retryAfterSeconds wins. */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = {
  TEMPORAL_UNAVAILABLE: TEMPORAL_RETRY_AFTER_SECONDS,
  // Freeing disk takes an operator: minutes, not seconds.
  INSUFFICIENT_STORAGE: 60,
  TOO_MANY_UPLOADS: 1,
  SERVER_BUSY: 2,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}

export const errorBody = (code: ErrorCode, message: string, details?: unknown) => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError('ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/** gRPC status codes that mean "the Temporal frontend is not there", not "your request is wrong". */
const GRPC_UNAVAILABLE = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/** The gRPC status code in an error's cause chain (Temporal wraps gRPC errors in ServiceError, sometimes twice). */
function grpcCodeOf(err: unknown): number | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown; name?: string } | undefined, depth = 0;
    e && typeof e === 'object' && depth < 6;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'number' && ('metadata' in e || 'details' in e)) return e.code;
  }
  return undefined;
}

function isTemporalUnavailable(err: unknown): boolean {
  // An update (adding photos) that Temporal did not answer within the request's deadline: under
  // load that is our overload, not the client's fault; its retry with the same Idempotency-Key adds nothing twice.
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  for (let e = err as { cause?: unknown; name?: string } | undefined, depth = 0; e && typeof e === 'object' && depth < 6; e = e.cause as typeof e, depth++) {
    if (e.name === 'TransportError') return true;
  }
  const code = grpcCodeOf(err);
  return code !== undefined && GRPC_UNAVAILABLE.has(code);
}

/** Maps every error to an ApiError by its type: a 5xx only for our bugs and our outages. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof z.ZodError) {
    return new ApiError(
      'VALIDATION_FAILED',
      'The request is not valid',
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  if (err instanceof InvalidBlobKeyError) return new ApiError('INVALID_BLOB_KEY', 'The blob path is not a valid key');
  if (err instanceof URIError) return new ApiError('INVALID_PATH', 'The request path has malformed percent-encoding');
  if (isOutOfSpace(err)) return new ApiError('INSUFFICIENT_STORAGE', 'The server is out of disk space; nothing of this request was kept. Retry later');
  const e = err as { type?: string; status?: number; statusCode?: number; code?: unknown; message?: string };
  switch (e?.type) {
    case 'entity.too.large':
      return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'entity.parse.failed':
      return new ApiError('INVALID_JSON', 'The request body is not valid JSON');
    case 'encoding.unsupported':
      return new ApiError('UNSUPPORTED_CONTENT_ENCODING', 'Unsupported Content-Encoding: send identity, gzip, deflate or br');
    case 'charset.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported charset: send UTF-8');
    case 'request.aborted':
      return new ApiError('REQUEST_ABORTED', 'The client aborted the request');
    case 'request.size.invalid':
      return new ApiError('MALFORMED_BODY', 'The body is shorter or longer than its Content-Length');
  }
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new ApiError('INVALID_CONTENT_ENCODING', 'The body does not match its Content-Encoding');
  }
  if (isTemporalUnavailable(err)) return new ApiError('TEMPORAL_UNAVAILABLE', 'Temporal is unavailable; retry shortly');
  // INVALID_ARGUMENT from Temporal is about what the client sent through (a forged page token, say).
  if (grpcCodeOf(err) === 3) return new ApiError('VALIDATION_FAILED', 'Temporal refused an argument of this request (a cursor?)');
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'MALFORMED_BODY', 'The request could not be read');
  }
  return new ApiError('INTERNAL', 'Internal error');
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let apiError = toApiError(err);
  // Whatever failed while the client had already gone (a stream cut mid-body) is its abort, not
  // our failure; an ECONNRESET from one of our own backends, with the client still there, stays a 5xx.
  if (apiError.status >= 500 && req.socket?.destroyed === true) apiError = new ApiError('REQUEST_ABORTED', 'The client aborted the request');
  if (apiError.code === 'REQUEST_ABORTED') {
    // Nobody is listening: log it as what it is, and never count it as our failure.
    req.log?.info({ code: apiError.code }, 'request aborted by the client');
    if (!res.headersSent && res.writable) res.status(apiError.status).json(errorBody(apiError.code, apiError.message));
    return;
  }
  if (apiError.status >= 500) req.log?.error({ err }, 'request failed');
  if (res.headersSent) {
    res.end();
    return;
  }
  const retryAfter = apiError.retryAfterSeconds ?? RETRY_AFTER_SECONDS[apiError.code];
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  if (apiError.code === 'METHOD_NOT_ALLOWED' && Array.isArray(apiError.details)) res.set('Allow', apiError.details.join(', '));
  res.status(apiError.status).json(errorBody(apiError.code, apiError.message, apiError.details));
};

/**
 * Requests Node's HTTP parser refuses (a header value with bytes outside Latin-1, a header block
 * over the limit) never reach Express; Node would answer a bare 400 with no body. Answer them in
 * the API's error shape instead, so every response a client can get is documented.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify(
      tooLarge
        ? errorBody('HEADERS_TOO_LARGE', 'The request headers are too large')
        : errorBody('MALFORMED_REQUEST', 'The request line or a header is not valid HTTP'),
    );
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
