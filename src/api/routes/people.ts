/** People across albums and word search: thin controllers over PeopleService. */
import { Router } from 'express';
import { tenantOf } from '../auth';
import type { PeopleService } from '../services/people-service';
import {
  faceIdParam,
  listPeopleQuery,
  mergePeopleBody,
  moveFaceBody,
  patchPersonBody,
  personIdParam,
  personPhotosQuery,
  searchQuery,
} from '../../shared/contract/people';

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
