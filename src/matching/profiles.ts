/**
 * The profile contract shared by the API, the activities and the workflows: record ids, the
 * metadata a profile carries (user fields for filters plus the ones Lightbox sets), the
 * collection of an embedding. Safe to import from workflow code (no I/O, no Buffer).
 */
export const PROFILE_COLLECTION_PREFIX = 'profiles';

/** Metadata keys Lightbox sets itself; clients cannot. */
export const RESERVED_PROFILE_FIELDS = ['tenant', 'userId', 'textDigest'] as const;

export function profileRecordId(tenant: string, userId: string): string {
  return `${tenant}:${userId}`;
}

/**
 * A collection per tenant and embedding: vectors of two models never mix, and a query searches
 * one tenant's profiles without a tenant filter (a filter matching most of a big collection makes
 * Chroma pre-filter every record). Chroma's name rules: [a-zA-Z0-9._-], alphanumeric ends.
 */
export function profileCollection(tenant: string, embedding: string): string {
  return `${PROFILE_COLLECTION_PREFIX}__${tenant}__${embedding}`.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '');
}
