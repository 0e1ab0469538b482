/** OpenAPI paths of the matching and clean-bot routes, from their contracts. */
import { userIdSchema } from '../../shared/contract/common';
import {
  matchBody,
  matchResponse,
  profileBody,
  profileDeletedResponse,
  profileIndexedResponse,
  reindexBody,
  reindexJobIdParam,
  reindexProgressResponse,
  reindexStartedResponse,
} from '../../shared/contract/matching';
import { moderationBody, moderationResponse } from '../../shared/contract/moderation';
import { errorResponse, json, ok, pathParameter, schema } from './helpers';

const userId = pathParameter('userId', userIdSchema);
const jobId = pathParameter('jobId', reindexJobIdParam);
const reindexProgress = ok('Progress of the re-index: state (running, paused, completed), offset, reindexed, unchanged, runs', reindexProgressResponse);

export const matchingPaths = {
  '/v1/profiles/{userId}': {
    put: {
      summary: 'Index a profile (ProfileWorkflow: embed on the CPU queue, upsert on the I/O queue); fields are filterable metadata',
      parameters: [userId],
      requestBody: { required: true, content: json(schema(profileBody)) },
      responses: {
        '200': ok('{userId, indexed, embedding, method}: method is onnx or char-ngram-tfidf (fallback)', profileIndexedResponse),
        '400': errorResponse('EMPTY_TEXT or invalid body'),
        '422': errorResponse('TEXT_TOO_LONG'),
      },
    },
    delete: {
      summary: 'Remove a profile from the index',
      parameters: [userId],
      responses: { '200': ok('{userId, deleted: true}', profileDeletedResponse), '404': errorResponse('UNKNOWN_USER') },
    },
  },
  '/v1/match': {
    post: {
      summary: 'Top-k most similar profiles to a user (its stored vector) or a text, within the filters; never the user itself',
      requestBody: { required: true, content: json(schema(matchBody)) },
      responses: {
        '200': ok('{results:[{userId, score}], k, method, embedding}', matchResponse),
        '400': errorResponse('K_OUT_OF_RANGE, EMPTY_TEXT or invalid body'),
        '404': errorResponse('UNKNOWN_USER'),
        '422': errorResponse('TEXT_TOO_LONG'),
      },
    },
  },
  '/v1/profiles/reindex': {
    post: {
      summary: "Re-embed the tenant's profiles from another embedding's collection into the current one (ProfileReindexWorkflow)",
      requestBody: { required: true, content: json(schema(reindexBody)) },
      responses: { '202': ok('{jobId, workflowId}', reindexStartedResponse), '400': errorResponse('Invalid body') },
    },
  },
  '/v1/profiles/reindex/{jobId}': {
    get: {
      summary: 'Re-index progress (a workflow query)',
      parameters: [jobId],
      responses: { '200': reindexProgress, '404': errorResponse('REINDEX_NOT_FOUND') },
    },
  },
  '/v1/profiles/reindex/{jobId}/pause': {
    post: {
      summary: 'Pause the re-index after the current page',
      parameters: [jobId],
      responses: { '200': reindexProgress, '404': errorResponse('REINDEX_NOT_FOUND') },
    },
  },
  '/v1/profiles/reindex/{jobId}/resume': {
    post: { summary: 'Resume a paused re-index', parameters: [jobId], responses: { '200': reindexProgress, '404': errorResponse('REINDEX_NOT_FOUND') } },
  },
  '/v1/moderation/chat': {
    post: {
      summary: 'Clean-bot: per message {id, toxic, score, labels, method}; concurrent requests share micro-batched inference runs',
      requestBody: { required: true, content: json(schema(moderationBody)) },
      responses: {
        '200': ok(
          '{results:[{id, toxic, score, labels, method, model, headScore?, scores?, truncated?, matches?}]}: method is e5-head+lexicon (default), onnx (a pulled classifier) or lexicon (fallback)',
          moderationResponse,
        ),
        '400': errorResponse('EMPTY_TEXT, DUPLICATE_MESSAGE_ID or invalid body'),
        '422': errorResponse('TEXT_TOO_LONG or TOO_MANY_MESSAGES'),
      },
    },
  },
};
