/**
 * Blob keys are the only thing workflows and API clients hand around, so this is where a key
 * coming from outside (a request body, a URL path) is checked before it reaches a store.
 * The rules are stricter than GCS needs because the local store maps keys onto a filesystem:
 * a key that is safe here is safe as a relative path on any OS and as a GCS object name.
 */
import { InvalidBlobKeyError } from './blob-store';

/** GCS allows 1024 bytes of UTF-8 per object name; keeping the same cap keeps the stores swappable. */
export const MAX_KEY_BYTES = 1024;

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * ASCII only: it rules out Unicode look-alikes and normalisation differences between
 * filesystems (macOS NFD vs Linux bytes), and needs no escaping in a GCS XML/JSON path.
 */
const SEGMENT_PATTERN = /^[A-Za-z0-9._=-]+$/;
const ONLY_DOTS = /^\.+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const TENANTS_ROOT = 'tenants';

/** UTF-8 length without Buffer: workflows build keys too, and their sandbox has no Node globals. */
function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

function fail(key: string, reason: string): never {
  throw new InvalidBlobKeyError(key, reason);
}

function segmentProblem(segment: string): string | null {
  if (segment === '') return 'empty path segment';
  if (segment === '.' || segment === '..') return `"${segment}" segment`;
  if (ONLY_DOTS.test(segment)) return 'segment made only of dots';
  if (!SEGMENT_PATTERN.test(segment)) {
    return `segment ${JSON.stringify(segment)} has characters outside [A-Za-z0-9._=-]`;
  }
  return null;
}

/** Why a key is unacceptable, or null when it is fine. */
export function keyProblem(key: string): string | null {
  if (typeof key !== 'string') return 'not a string';
  if (key.length === 0) return 'empty';
  // Checked before the per-segment charset so the error names the actual problem.
  if (key.includes('\u0000')) return 'contains NUL';
  if (CONTROL_CHARS.test(key)) return 'contains control characters';
  if (utf8Length(key) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'absolute (leading "/")';
  for (const segment of key.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== null) return problem;
  }
  return null;
}

/** Returns the key unchanged when it is acceptable; throws InvalidBlobKeyError otherwise. */
export function validateKey(key: string): string {
  const problem = keyProblem(key);
  if (problem !== null) fail(String(key), problem);
  return key;
}

export function isValidKey(key: string): boolean {
  return keyProblem(key) === null;
}

/** True for a single path segment a key may contain (used to skip store-internal files). */
export function isValidKeySegment(segment: string): boolean {
  return segmentProblem(segment) === null;
}

/**
 * A list prefix is a plain string prefix (GCS semantics: "tenants/a" also matches "tenants/ab/..."),
 * so callers listing one folder should end it with "/". The empty prefix means everything.
 */
export function validatePrefix(prefix: string): string {
  if (typeof prefix !== 'string') fail(String(prefix), 'prefix is not a string');
  if (prefix === '') return prefix;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = body === '' ? 'absolute (leading "/")' : keyProblem(body);
  if (problem !== null) fail(prefix, problem);
  return prefix;
}

export function isValidTenantId(tenantId: string): boolean {
  return typeof tenantId === 'string' && TENANT_ID_PATTERN.test(tenantId);
}

function checkTenantId(tenantId: string, key: string): void {
  if (!isValidTenantId(tenantId)) {
    fail(key, `tenant id ${JSON.stringify(tenantId)} does not match ${TENANT_ID_PATTERN.source}`);
  }
}

/** "tenants/<tenantId>/": the prefix to list everything a tenant owns. */
export function tenantPrefix(tenantId: string): string {
  const prefix = `${TENANTS_ROOT}/${tenantId}/`;
  checkTenantId(tenantId, prefix);
  return prefix;
}

/**
 * Builds `tenants/<tenantId>/<segments...>`. Each argument is exactly one segment: a "/" inside
 * one is rejected so an id coming from a request cannot add levels to the layout.
 */
export function tenantKey(tenantId: string, ...segments: string[]): string {
  const key = [TENANTS_ROOT, tenantId, ...segments].join('/');
  checkTenantId(tenantId, key);
  if (segments.length === 0) fail(key, 'a tenant key needs at least one segment after the tenant id');
  for (const segment of segments) {
    if (typeof segment !== 'string') fail(key, 'segment is not a string');
    if (segment.includes('/')) fail(key, `segment ${JSON.stringify(segment)} contains "/"`);
  }
  return validateKey(key);
}

/** Throws InvalidBlobKeyError unless `key` is a valid key under `tenants/<tenantId>/`. */
export function assertTenantKey(tenantId: string, key: string): void {
  validateKey(key);
  checkTenantId(tenantId, key);
  // The key is already validated, so no "." / ".." segment can climb out of the prefix.
  if (!key.startsWith(`${TENANTS_ROOT}/${tenantId}/`)) fail(key, `not under tenant ${tenantId}`);
}

/** The tenant a valid key belongs to, or null for keys outside `tenants/`. */
export function tenantIdOfKey(key: string): string | null {
  validateKey(key);
  const [root, tenantId, ...rest] = key.split('/');
  if (root !== TENANTS_ROOT || tenantId === undefined || rest.length === 0) return null;
  return isValidTenantId(tenantId) ? tenantId : null;
}

/**
 * Where an album photo's original bytes live (written by the album API before the workflow sees
 * the photo). Other features find a photo by tenant/album/photo id through this, not by asking
 * the album workflow.
 */
export function albumPhotoKey(tenantId: string, albumId: string, photoId: string): string {
  return tenantKey(tenantId, 'albums', albumId, 'photos', photoId);
}

/** A style job's rendered PNG. */
export const styleResultKey = (tenantId: string, styleId: string) => tenantKey(tenantId, 'styles', styleId, 'result.png');

/** A tuning report's stored document (text, source, tokens, context). */
export const reportKey = (tenantId: string, reportId: string) => tenantKey(tenantId, 'reports', reportId, 'report.json');

// Album layout: tenants/<t>/albums/<album>/{photos/<photo>, uploads/<photo>.json, manifest.json,
// analyses/<analysis>/{photos/,failures/,album.json,state/}}. Workflows build these keys too, so
// this module stays free of Node built-ins.

/** Everything one album owns, as a list prefix. */
export function albumPrefix(tenantId: string, albumId: string): string {
  return `${tenantKey(tenantId, 'albums', albumId)}/`;
}

/** A signed upload's pending record: the photo the client said it would PUT. */
export function albumUploadKey(tenantId: string, albumId: string, photoId: string): string {
  return tenantKey(tenantId, 'albums', albumId, 'uploads', `${photoId}.json`);
}

/** Where the album ended up (completed or cancelled) and where its results are. */
export function albumManifestKey(tenantId: string, albumId: string): string {
  return tenantKey(tenantId, 'albums', albumId, 'manifest.json');
}

/** Results of one analysis of an album: per analysis, never in workflow history. */
const analysisPrefix = (tenantId: string, albumId: string, analysisId: string) => tenantKey(tenantId, 'albums', albumId, 'analyses', analysisId);

/** Folder of one analysis's per-photo result documents (listed by the album step). */
export function photoDocsPrefix(tenantId: string, albumId: string, analysisId: string): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/photos/`;
}

/** Failure records of one analysis: a photo that could not be analysed still has its record. */
export function failureDocsPrefix(tenantId: string, albumId: string, analysisId: string): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/failures/`;
}

export function failureDocKey(tenantId: string, albumId: string, analysisId: string, photoId: string): string {
  return `${failureDocsPrefix(tenantId, albumId, analysisId)}${photoId}.json`;
}

export function photoDocKey(tenantId: string, albumId: string, analysisId: string, photoId: string): string {
  return `${photoDocsPrefix(tenantId, albumId, analysisId)}${photoId}.json`;
}

/** The album-level results the API serves. */
export function albumResultsKey(tenantId: string, albumId: string, analysisId: string): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/album.json`;
}

/** Workflow state carried across continue-as-new, by reference. */
export function pipelineStateKey(tenantId: string, albumId: string, analysisId: string, runIndex: number): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/state/run-${runIndex}.json`;
}

/** One page of an album run's pending photos, stored beside the run's state document. */
export function pendingPageKey(stateKey: string, page: number): string {
  return stateKey.replace(/\.json$/, `.pending-${page}.json`);
}

/** A photo's 256 px WebP thumbnail, made on first request; under the album, so a purge deletes it. */
export function albumThumbnailKey(tenantId: string, albumId: string, photoId: string): string {
  return tenantKey(tenantId, 'albums', albumId, 'thumbnails', `${photoId}.webp`);
}

/** One analysis's word-search labels; under the album's prefix, so purging the album deletes it. */
export function albumSearchKey(tenantId: string, albumId: string, analysisId: string): string {
  return tenantKey(tenantId, 'albums', albumId, 'search', `${analysisId}.json`);
}

/** The tenant and album of an album photo's key (the signed-upload route reads its plan by it). */
export function parseAlbumPhotoKey(key: string): { tenantId: string; albumId: string; photoId: string } | null {
  const m = /^tenants\/([^/]+)\/albums\/([^/]+)\/photos\/([^/]+)$/.exec(key);
  return m ? { tenantId: m[1]!, albumId: m[2]!, photoId: m[3]! } : null;
}

// Tenant-wide documents beside the albums.

/** An Idempotency-Key's stored answer, by a digest of its scope and key. */
export function idempotencyRecordKey(tenantId: string, digest: string): string {
  return tenantKey(tenantId, 'idempotency', `${digest}.json`);
}

/** The tenant's people document (GCS people store; the embedded one keeps a file per tenant). */
export function peopleDocKey(tenantId: string): string {
  return tenantKey(tenantId, 'people', 'people.json');
}

/** A face crop (WebP) shown beside a person. */
export function personCropKey(tenantId: string, faceKey: string): string {
  return tenantKey(tenantId, 'people', 'crops', `${faceKey}.webp`);
}

// Upload handover markers live outside tenants/: the sweeper lists them all at once.

/** Every handover marker, across tenants. */
export const HANDOVER_PREFIX = 'system/handover/';

/** One album's handover markers (a purge deletes them with the album). */
export function albumHandoverPrefix(tenantId: string, albumId: string): string {
  return validatePrefix(`${HANDOVER_PREFIX}${tenantId}/${albumId}/`);
}

/** A marker written before photos are handed to the album workflow, removed once it has them. */
export function handoverKey(tenantId: string, albumId: string, token: string): string {
  return validateKey(`${albumHandoverPrefix(tenantId, albumId)}${token}.json`);
}
