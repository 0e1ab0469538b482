/**
 * Idempotency-Key for every POST: the first request's body hash and answer are kept per
 * (tenant, route, key). A retry with the same body gets the same answer (no second side effect);
 * the same key with a different body is refused with 422 IDEMPOTENCY_KEY_REUSED instead of being
 * answered with the first result, which would silently drop the client's new request.
 */
import crypto from 'node:crypto';
import type { RequestHandler, Request } from 'express';
import type { BlobStore } from '../storage/blob-store';
import { BlobNotFoundError } from '../storage/blob-store';
import { idempotencyRecordKey } from '../storage/keys';
import { tenantOf } from './auth';
import { ApiError } from './errors';
import { idempotencyKeyHeader } from '../shared/contract/common';

interface IdempotencyRecord {
  bodyHash: string;
  createdAt: string;
  /** Absent while the first request is still running (or failed: then a retry runs it again). */
  response?: { status: number; body: unknown; location?: string };
}

export type Begin = { replay: NonNullable<IdempotencyRecord['response']> } | { replay?: undefined };

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** JSON with sorted keys, so {"a":1,"b":2} and {"b":2,"a":1} are the same body. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function idempotencyKeyOf(req: Request): string | undefined {
  const header = req.get('idempotency-key');
  return header === undefined ? undefined : idempotencyKeyHeader.parse(header);
}

export class IdempotencyStore {
  constructor(private readonly store: BlobStore) {}

  private recordKey(tenantId: string, scope: string, key: string) {
    return idempotencyRecordKey(tenantId, sha256(`${scope}\n${key}`));
  }

  private async read(k: string): Promise<IdempotencyRecord | undefined> {
    try {
      return JSON.parse((await this.store.get(k)).toString('utf8')) as IdempotencyRecord;
    } catch (err) {
      if (err instanceof BlobNotFoundError) return undefined;
      throw err;
    }
  }

  /** Checks the key against the body; returns the stored answer to replay, if there is one. */
  async begin(tenantId: string, scope: string, key: string, bodyHash: string): Promise<Begin> {
    const k = this.recordKey(tenantId, scope, key);
    const existing = await this.read(k);
    if (existing) {
      if (existing.bodyHash !== bodyHash) {
        throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body; use a new key for a new request');
      }
      if (existing.response) return { replay: existing.response };
      return {};
    }
    const record: IdempotencyRecord = { bodyHash, createdAt: new Date().toISOString() };
    await this.store.put(k, Buffer.from(JSON.stringify(record)), { contentType: 'application/json' });
    return {};
  }

  async complete(tenantId: string, scope: string, key: string, bodyHash: string, response: NonNullable<IdempotencyRecord['response']>) {
    const record: IdempotencyRecord = { bodyHash, createdAt: new Date().toISOString(), response };
    await this.store.put(this.recordKey(tenantId, scope, key), Buffer.from(JSON.stringify(record)), { contentType: 'application/json' });
  }
}

export const requestScope = (req: Request) => `${req.method} ${req.baseUrl}${req.path}`;

export function sendReplay(res: Parameters<RequestHandler>[1], replay: NonNullable<IdempotencyRecord['response']>) {
  res.set('Idempotent-Replayed', 'true');
  if (replay.location) res.location(replay.location);
  res.status(replay.status).json(replay.body);
}

/**
 * For JSON POSTs (multipart routes call the store themselves, with the digest of their parts).
 * 2xx answers are stored; errors are not, so a retry after a failure runs the request again.
 */
export function idempotentPosts(idem: IdempotencyStore): RequestHandler {
  return async (req, res, next) => {
    try {
      if (req.method !== 'POST' || req.is('multipart/form-data')) return next();
      const key = idempotencyKeyOf(req);
      if (key === undefined) return next();
      const tenant = tenantOf(req);
      const scope = requestScope(req);
      const bodyHash = sha256(canonicalJson(req.body ?? null));
      const { replay } = await idem.begin(tenant, scope, key, bodyHash);
      if (replay) return sendReplay(res, replay);
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        if (res.statusCode < 200 || res.statusCode >= 300) return json(body);
        // The answer is stored before it is sent: a client that retries the moment it has (or
        // lost) the answer must get the replay, not a second run of the request.
        const location = res.get('location');
        void idem
          .complete(tenant, scope, key, bodyHash, { status: res.statusCode, body, ...(location ? { location } : {}) })
          .catch((err: Error) => req.log?.warn({ err: err.message }, 'idempotency record not saved'))
          .then(() => json(body))
          // Sending can throw too; it must reach the error handler, not become an unhandled rejection.
          .catch(next);
        return res;
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}
