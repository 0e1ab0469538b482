/**
 * Every API error is `{"error":{"code","message","details"?}}` with a stable code clients can
 * branch on. Codes are listed here and in the OpenAPI document; never rename one.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';

export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  EMPTY_TEXT: 400,
  K_OUT_OF_RANGE: 400,
  DUPLICATE_MESSAGE_ID: 400,
  INVALID_JSON: 400,
  NO_FILES: 400,
  UNAUTHENTICATED: 401,
  INVALID_SIGNATURE: 403,
  SIGNATURE_EXPIRED: 403,
  ALBUM_NOT_FOUND: 404,
  PHOTO_NOT_FOUND: 404,
  BLOB_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  STYLE_NOT_FOUND: 404,
  REPORT_NOT_FOUND: 404,
  UNKNOWN_USER: 404,
  REINDEX_NOT_FOUND: 404,
  ALBUM_CLOSED: 409,
  ALBUM_NOT_FINISHED: 409,
  JOB_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_FILES: 413,
  TEXT_TOO_LONG: 413,
  TOO_MANY_MESSAGES: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  NOT_READY: 503,
  CONSOLE_NOT_BUILT: 503,
  TEMPORAL_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Per-file rejection codes inside a 2xx upload response (not HTTP errors). */
export const REJECTION_CODES = ['EMPTY_FILE', 'NOT_AN_IMAGE', 'FILE_TOO_LARGE', 'UNSUPPORTED_TYPE', 'UNKNOWN_UPLOAD', 'UPLOAD_NOT_FOUND', 'ALBUM_FULL', 'INVALID_KEY'] as const;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
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

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof z.ZodError) {
    return new ApiError(
      'VALIDATION_FAILED',
      'The request is not valid',
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return new ApiError('PAYLOAD_TOO_LARGE', `A file is over the upload size limit (${err.field ?? 'photos'})`);
    if (err.code === 'LIMIT_FILE_COUNT') return new ApiError('TOO_MANY_FILES', 'Too many files in one request');
    if (err.code === 'LIMIT_UNEXPECTED_FILE') return new ApiError('VALIDATION_FAILED', `Unexpected file field "${err.field}": use "photos"`);
    return new ApiError('VALIDATION_FAILED', err.message);
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (e?.type === 'entity.parse.failed') return new ApiError('INVALID_JSON', 'The request body is not valid JSON');
  return new ApiError('INTERNAL', 'Internal error');
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const apiError = toApiError(err);
  if (apiError.status >= 500) req.log?.error({ err }, 'request failed');
  res.status(apiError.status).json(errorBody(apiError.code, apiError.message, apiError.details));
};
