/**
 * Secrets the embedded stack can make for itself. In production they come from the
 * environment; on a laptop, zero configuration must still give a working, authenticated API.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './index';

const TENANT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEV_TENANT = 'demo';

/** Reads <dataDir>/secrets/<name>, creating it with a fresh random value (mode 0600) if missing. */
export function ensureDataSecret(dataDir: string, name: string, make: () => string): { value: string; created: boolean } {
  const file = path.join(dataDir, 'secrets', name);
  try {
    return { value: fs.readFileSync(file, 'utf8').trim(), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const value = make();
  try {
    fs.writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  } catch (err) {
    // Another process (API and start script race at boot) made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { value: fs.readFileSync(file, 'utf8').trim(), created: false };
    throw err;
  }
}

/** `key1:tenant1,key2:tenant2` → Map(key → tenant). */
export function parseApiKeys(spec: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const idx = entry.lastIndexOf(':');
    const key = idx > 0 ? entry.slice(0, idx) : '';
    const tenant = idx > 0 ? entry.slice(idx + 1) : '';
    if (key.length < 16) throw new Error('LIGHTBOX_API_KEYS: every entry is key:tenant with a key of at least 16 characters');
    if (!TENANT_RE.test(tenant)) throw new Error(`LIGHTBOX_API_KEYS: tenant ids match ${TENANT_RE} (got ${JSON.stringify(tenant)})`);
    keys.set(key, tenant);
  }
  if (keys.size === 0) throw new Error('LIGHTBOX_API_KEYS is set but names no key');
  return keys;
}

export interface ApiKeySet {
  keys: Map<string, string>;
  /** Set when the embedded stack made a dev key because LIGHTBOX_API_KEYS was unset. */
  devKey?: { key: string; tenant: string; file: string; created: boolean };
}

export function resolveApiKeys(config: Config): ApiKeySet {
  if (config.api.apiKeys) return { keys: parseApiKeys(config.api.apiKeys) };
  if (config.env === 'production') {
    throw new Error('LIGHTBOX_API_KEYS must be set in production (key:tenant,key:tenant)');
  }
  const { value, created } = ensureDataSecret(config.dataDir, 'dev-api-key', () => `lbx_dev_${crypto.randomBytes(24).toString('base64url')}`);
  return {
    keys: new Map([[value, DEV_TENANT]]),
    devKey: { key: value, tenant: DEV_TENANT, file: path.join(config.dataDir, 'secrets', 'dev-api-key'), created },
  };
}

export function resolveSigningSecret(config: Config): string {
  if (config.storage.signingSecret) return config.storage.signingSecret;
  if (config.env === 'production' && config.storage.kind === 'local') {
    throw new Error('LIGHTBOX_SIGNING_SECRET must be set in production unless GCS_BUCKET is set');
  }
  return ensureDataSecret(config.dataDir, 'signing-secret', () => crypto.randomBytes(32).toString('hex')).value;
}
