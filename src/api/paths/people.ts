/** OpenAPI paths of the people and search routes (src/api/routes/people.ts), from the people contract. */
import * as P from '../../shared/contract/people';
import { errorResponse, json, ok, pathParameter, queryParameters, schema } from './helpers';

const personIdParameter = pathParameter('personId', P.personIdParam);
const personResponse = ok('The person with their faces (up to 200, best-scored first) and a signed crop URL each', P.personDetailResponse);

/** People across a tenant's albums (corrections included) and word search (docs/people-and-search.md). */
export const peopleAndSearchPaths = {
  '/v1/people': {
    get: {
      summary: "The tenant's people across albums, named first then by face count, with a cover crop (signed URL) each",
      parameters: queryParameters(P.listPeopleQuery),
      responses: { '200': ok('One page of people', P.peopleListResponse), '400': errorResponse('INVALID_CURSOR') },
    },
  },
  '/v1/people/{personId}': {
    get: {
      summary: 'One person with their faces (a merged-away id answers the person it went into, with mergedFrom)',
      parameters: [personIdParameter],
      responses: { '200': personResponse, '404': errorResponse('PERSON_NOT_FOUND') },
    },
    patch: {
      summary: 'Rename (name; null clears it), hide or show (hidden), or choose the cover face (coverFaceId)',
      parameters: [personIdParameter],
      requestBody: { required: true, content: json(schema(P.patchPersonBody)) },
      responses: {
        '200': personResponse,
        '404': errorResponse('PERSON_NOT_FOUND or FACE_NOT_FOUND'),
        '409': errorResponse("FACE_NOT_IN_PERSON: the cover face is not this person's"),
        '415': errorResponse('UNSUPPORTED_MEDIA_TYPE'),
        '422': errorResponse('INVALID_PERSON_NAME: over 100 characters or with control characters'),
      },
    },
  },
  '/v1/people/{personId}/photos': {
    get: {
      summary: "The person's photos across albums, with signed URLs and the faces in each",
      parameters: [personIdParameter, ...queryParameters(P.personPhotosQuery)],
      responses: {
        '200': ok('One page of photos, each with the faceIds of the person in it', P.personPhotosResponse),
        '404': errorResponse('PERSON_NOT_FOUND'),
      },
    },
  },
  '/v1/people/{personId}/merge': {
    post: {
      summary: 'Merge people into this one (A + B → A): their faces become its, their ids redirect to it. Repeating a merge answers the same',
      parameters: [personIdParameter],
      requestBody: { required: true, content: json(schema(P.mergePeopleBody)) },
      responses: {
        '200': ok('The person merged into, and the ids merged', P.mergePeopleResponse),
        '404': errorResponse('PERSON_NOT_FOUND: this or one of personIds'),
        '422': errorResponse('MERGE_INTO_ITSELF'),
      },
    },
  },
  '/v1/people/{personId}/faces/{faceId}/move': {
    post: {
      summary: 'Move a face out of this person: into toPersonId, or into a new person (201) when none is given',
      parameters: [personIdParameter, pathParameter('faceId', P.faceIdParam)],
      requestBody: { required: false, content: json(schema(P.moveFaceBody)) },
      responses: {
        '200': ok('Moved into toPersonId (created: false)', P.moveFaceResponse),
        '201': ok('Moved into a new person (created: true)', P.moveFaceResponse),
        '404': errorResponse('PERSON_NOT_FOUND or FACE_NOT_FOUND'),
        '409': errorResponse("FACE_NOT_IN_PERSON: the face is not this person's"),
      },
    },
  },
  '/v1/search': {
    get: {
      summary:
        "Photos by words, Korean or English: the query against each photo's stored labels through the multilingual sentence model, and person names; each hit says why",
      parameters: queryParameters(P.searchQuery),
      responses: {
        '200': ok('One page of photos, best first, each with the reasons it matched', P.searchResponse),
        '404': errorResponse('PERSON_NOT_FOUND (personId filter)'),
      },
    },
  },
};
