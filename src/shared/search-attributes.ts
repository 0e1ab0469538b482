/**
 * Custom search attributes our workflows set, so the Web UI and `temporal workflow list`
 * can filter by tenant, album, job kind and status. Registered by temporal/namespace-setup.ts.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  tenant: defineSearchAttributeKey('LightboxTenant', SearchAttributeType.KEYWORD),
  albumId: defineSearchAttributeKey('LightboxAlbumId', SearchAttributeType.KEYWORD),
  jobKind: defineSearchAttributeKey('LightboxJobKind', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('LightboxStatus', SearchAttributeType.KEYWORD),
} as const;

/** name → CLI/operator type name, for registration. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<{ name: string; type: 'Keyword' }> = Object.values(SA).map((k) => ({
  name: k.name,
  type: 'Keyword' as const,
}));
