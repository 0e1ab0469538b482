/**
 * Matching activities. Embedding is CPU work (the sentence model, or the hashing fallback) on the
 * CPU queue; vector store reads and writes are I/O on the I/O queue. Vectors cross the workflow as
 * base64 float32 strings (a 768-d vector is ~4 KB).
 */
import { profileCollection, profileRecordId, RESERVED_PROFILE_FIELDS } from '../../matching/profiles';
import type { ProfileFieldValue } from '../../shared/matching';
import { textDigest } from '../../models/text/hashing-embedder';
import type { MatchEmbedder } from '../../matching/match-embedder';
import { decodeVector, encodeVector } from '../../vectors/float32-codec';
import type { Metadata, VectorStore } from '../../matching/vector-store';
import type { StoredProfile } from '../../shared/matching';
import { jobOutcomes, stageSeconds } from '../../telemetry/metrics';

export interface EmbeddedTexts {
  embedding: string;
  method: string;
  collection: string;
  fallbackReason?: string;
  vectors: string[];
}

export function createMatchingCpuActivities(deps: { embedder: MatchEmbedder }) {
  return {
    async embedProfileTexts({ tenant, texts }: { tenant: string; texts: string[] }): Promise<EmbeddedTexts> {
      const stop = stageSeconds.startTimer({ kind: 'match', stage: 'embed' });
      const r = await deps.embedder.embed(texts);
      stop();
      return {
        embedding: r.embedding,
        method: r.method,
        collection: profileCollection(tenant, r.embedding),
        ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
        vectors: r.vectors.map(encodeVector),
      };
    },

    /** The embedding new vectors would be made with now, without embedding anything real. */
    async currentEmbedding({ tenant }: { tenant: string }): Promise<{ embedding: string; method: string; collection: string }> {
      const r = await deps.embedder.current();
      return { embedding: r.embedding, method: r.method, collection: profileCollection(tenant, r.embedding) };
    },
  };
}

export interface ProfileToWrite {
  tenant: string;
  userId: string;
  text: string;
  fields: Record<string, ProfileFieldValue>;
  vector: string;
}

function fieldsOf(metadata: Metadata): Record<string, ProfileFieldValue> {
  const reserved = new Set<string>(RESERVED_PROFILE_FIELDS);
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !reserved.has(k)));
}

export function createMatchingIoActivities(deps: { store: VectorStore }) {
  const { store } = deps;
  return {
    async upsertProfiles(input: { collection: string; profiles: ProfileToWrite[] }): Promise<number> {
      const stop = stageSeconds.startTimer({ kind: 'match', stage: 'upsert' });
      await store.upsert(
        input.collection,
        input.profiles.map((p) => ({
          id: profileRecordId(p.tenant, p.userId),
          vector: decodeVector(p.vector),
          document: p.text,
          metadata: { ...p.fields, tenant: p.tenant, userId: p.userId, textDigest: textDigest(p.text) },
        })),
      );
      stop();
      jobOutcomes.inc({ kind: 'match', outcome: 'ok', code: 'indexed' }, input.profiles.length);
      return input.profiles.length;
    },

    async deleteProfile(input: { tenant: string; userId: string; collections: string[] }): Promise<number> {
      const id = profileRecordId(input.tenant, input.userId);
      let deleted = 0;
      for (const c of new Set(input.collections)) {
        const [existing] = await store.get(c, [id]);
        if (!existing) continue;
        await store.delete(c, [id]);
        deleted++;
      }
      return deleted;
    },

    /** One page of a tenant's profiles in a collection, in the store's stable order. */
    async listProfilePage(input: { collection: string; tenant: string; offset: number; limit: number }): Promise<StoredProfile[]> {
      const page = await store.list(input.collection, input.offset, input.limit, { tenant: input.tenant });
      return page.map((r) => ({
        userId: String(r.metadata.userId),
        text: r.document,
        fields: fieldsOf(r.metadata),
        textDigest: String(r.metadata.textDigest ?? textDigest(r.document)),
      }));
    },

    /** The text digest each profile has in `collection`, or null where it is not there. */
    async profileDigests(input: { collection: string; tenant: string; userIds: string[] }): Promise<(string | null)[]> {
      const records = await store.get(
        input.collection,
        input.userIds.map((u) => profileRecordId(input.tenant, u)),
      );
      return records.map((r) => (r ? String(r.metadata.textDigest ?? '') : null));
    },
  };
}
