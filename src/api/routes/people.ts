/** People across albums and word search: thin controllers over PeopleService. */
import { Router } from 'express';
import { z } from 'zod';
import { tenantOf } from '../auth';
import type { PeopleService } from '../services/people-service';
import { albumIdParam } from '../schemas';

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

export function peopleRoutes(people: PeopleService) {
  const router = Router();
  router.get('/people', async (req, res) => {
    const q = listPeopleQuery.parse(req.query);
    res.json(await people.list(tenantOf(req), { limit: q.limit, hidden: q.hidden === 'true', ...(q.cursor ? { cursor: q.cursor } : {}) }));
  });
  router.get('/people/:personId', async (req, res) => {
    res.json(await people.get(tenantOf(req), personIdParam.parse(req.params.personId)));
  });
  router.get('/people/:personId/photos', async (req, res) => {
    const q = personPhotosQuery.parse(req.query);
    res.json(await people.photos(tenantOf(req), personIdParam.parse(req.params.personId), { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) }));
  });
  router.patch('/people/:personId', async (req, res) => {
    const id = personIdParam.parse(req.params.personId);
    const body = patchPersonBody.parse(req.body ?? {});
    res.json(
      await people.update(tenantOf(req), id, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.hidden !== undefined ? { hidden: body.hidden } : {}),
        ...(body.coverFaceId !== undefined ? { coverFaceId: body.coverFaceId } : {}),
      }),
    );
  });
  router.post('/people/:personId/merge', async (req, res) => {
    const id = personIdParam.parse(req.params.personId);
    res.json(await people.merge(tenantOf(req), id, mergePeopleBody.parse(req.body ?? {}).personIds));
  });
  router.post('/people/:personId/faces/:faceId/move', async (req, res) => {
    const id = personIdParam.parse(req.params.personId);
    const faceId = faceIdParam.parse(req.params.faceId);
    const { toPersonId } = moveFaceBody.parse(req.body ?? {});
    const result = await people.moveFace(tenantOf(req), id, faceId, toPersonId);
    res.status(result.created ? 201 : 200).json(result);
  });
  router.get('/search', async (req, res) => {
    const q = searchQuery.parse(req.query);
    res.json(
      await people.search(tenantOf(req), {
        q: q.q,
        limit: q.limit,
        ...(q.albumId ? { albumId: q.albumId } : {}),
        ...(q.personId ? { personId: q.personId } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      }),
    );
  });
  return router;
}
