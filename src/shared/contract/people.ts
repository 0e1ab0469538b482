/**
 * The people and word-search API: a tenant's people across albums, their corrections (rename,
 * hide, cover, merge, move a face) and photos found by words or a person's name.
 */
import { z } from 'zod';
import { faceBoxSchema } from './albums';
import { albumIdParam, offsetPage } from './common';

// ---- requests -------------------------------------------------------------------------------

export const personIdParam = z.string().regex(/^pe_[a-z0-9]{4,24}$/, 'personId looks like pe_…');
/** `<albumId>.<photoId>-f<n>`: which album, photo and face. */
export const faceIdParam = z.string().regex(/^alb_[a-z0-9]{8,64}\.ph_[a-z0-9]{8,64}-f\d{1,4}$/, 'faceId looks like alb_….ph_…-f0');

const cursor = z.string().min(1).max(200).optional();
export const listPeopleQuery = z
  .object({ cursor, limit: z.coerce.number().int().min(1).max(200).default(50), hidden: z.enum(['true', 'false']).default('false') })
  .strict();
export const personPhotosQuery = z.object({ cursor, limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();
export const patchPersonBody = z
  .object({
    /** null clears it. Length and control characters are checked after NFC (422 INVALID_PERSON_NAME). */
    name: z.string().max(1000).nullable().optional(),
    hidden: z.boolean().optional(),
    coverFaceId: faceIdParam.optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.hidden !== undefined || b.coverFaceId !== undefined, 'give name, hidden or coverFaceId');
export const mergePeopleBody = z.object({ personIds: z.array(personIdParam).min(1).max(50) }).strict();
export const moveFaceBody = z.object({ toPersonId: personIdParam.optional() }).strict();
export const searchQuery = z
  .object({
    q: z.string().trim().min(1, 'q is empty').max(200),
    albumId: albumIdParam.optional(),
    personId: personIdParam.optional(),
    cursor,
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

// ---- responses ------------------------------------------------------------------------------

/** Where a face is: its album, photo and box in the photo's (EXIF-rotated) pixels. */
const faceAt = { faceId: z.string(), albumId: z.string(), photoId: z.string(), box: faceBoxSchema };
/** A signed URL of a 160-pixel WebP crop of the face; null when its photo is gone. */
const cropUrl = z.string().nullable();

/** One person as lists show them. */
export const personSchema = z.object({
  personId: z.string(),
  name: z.string().nullable(),
  hidden: z.boolean(),
  faces: z.number().int(),
  photos: z.number().int(),
  albums: z.array(z.string()),
  /** The face the user chose, else the best-scored one; null for a person left with no face. */
  cover: z.object({ ...faceAt, cropUrl }).nullable(),
  updatedAt: z.string(),
});
export type Person = z.infer<typeof personSchema>;

/** GET, PATCH /v1/people/:id: the person with their faces (up to 200, best-scored first). */
export const personDetailResponse = personSchema.extend({
  /** The id asked for, when it was merged into this person. */
  mergedFrom: z.string().optional(),
  faceList: z.array(z.object({ ...faceAt, score: z.number(), cropUrl })),
});
export type PersonDetailResponse = z.infer<typeof personDetailResponse>;

export const peopleListResponse = z.object({ items: z.array(personSchema), ...offsetPage });
export type PeopleListResponse = z.infer<typeof peopleListResponse>;

/** A photo in any of the tenant's albums, with a signed URL. */
const photoItem = {
  albumId: z.string(),
  photoId: z.string(),
  name: z.string(),
  url: z.string(),
  urlExpiresAt: z.string(),
  /** Same API key as the request. */
  thumbnailUrl: z.string(),
};

export const personPhotosResponse = z.object({
  personId: z.string(),
  /** `faces`: the person's faceIds in that photo. */
  items: z.array(z.object({ ...photoItem, faces: z.array(z.string()) })),
  ...offsetPage,
});
export type PersonPhotosResponse = z.infer<typeof personPhotosResponse>;

export const mergePeopleResponse = z.object({
  personId: z.string(),
  /** The ids merged in (or merged before: a repeated merge answers the same). */
  merged: z.array(z.string()),
  person: personDetailResponse,
});
export type MergePeopleResponse = z.infer<typeof mergePeopleResponse>;

export const moveFaceResponse = z.object({
  face: z.string(),
  from: z.string(),
  to: z.string(),
  /** true (status 201) when `to` is a new person. */
  created: z.boolean(),
  person: personDetailResponse,
});
export type MoveFaceResponse = z.infer<typeof moveFaceResponse>;

/** Why a photo matched: one of its labels near the query, or a person in it named by the query. */
export const searchReasonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('label'), label: z.string(), score: z.number(), confidence: z.number() }),
  z.object({ kind: z.literal('person'), personId: z.string(), name: z.string(), score: z.number() }),
]);
export type SearchReason = z.infer<typeof searchReasonSchema>;

/** GET /v1/search: best first. */
export const searchResponse = z.object({
  query: z.string(),
  /** `id@version` of the sentence model the labels and query were embedded with, and its method. */
  embedding: z.string(),
  method: z.string(),
  /** The labels the query matched, best first (empty when the query is a person's name). */
  matchedLabels: z.array(z.object({ text: z.string(), score: z.number() })),
  items: z.array(z.object({ ...photoItem, score: z.number(), reasons: z.array(searchReasonSchema) })),
  ...offsetPage,
});
export type SearchResponse = z.infer<typeof searchResponse>;
