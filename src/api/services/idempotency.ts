/**
 * Idempotency-Key → resource id. The id (and so the workflow id) is derived from the tenant and
 * the key, so a retried POST reaches the workflow the first one started instead of a second one.
 */
import crypto from 'node:crypto';

/** A fresh random id like `alb_k3x…` (lowercase, [a-z0-9] after the prefix). */
export const newId = (prefix: string) => `${prefix}_${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').toLowerCase()}`;

/** The id for a create request: derived from (tenant, Idempotency-Key, kind) when a key is given, random otherwise. */
export function resourceId(prefix: string, tenantId: string, idempotencyKey?: string): string {
  if (!idempotencyKey) return newId(prefix);
  // The kind is part of the hash: one key used for an album and a style names two resources.
  const material = `${prefix}\n${tenantId}\n${idempotencyKey}`;
  return `${prefix}_${crypto.createHash('sha256').update(material).digest('hex').slice(0, 24)}`;
}
