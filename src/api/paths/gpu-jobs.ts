/** OpenAPI paths of the GPU job routes (src/api/routes/gpu-jobs.ts, console-api.ts), from the GPU job contract. */
import type { z } from 'zod';
import { reportIdParam, styleIdParam } from '../../shared/contract/common';
import { createReportBody, createStyleBody, jobListResponse, listJobsQuery, reportCreatedResponse, styleCreatedResponse } from '../../shared/contract/gpu-jobs';
import { errorResponse, idempotencyHeader, json, ok, pathParameter, queryParameters, ref, schema } from './helpers';

function jobPaths(kind: 'styles' | 'reports', idName: 'styleId' | 'reportId', idSchema: z.ZodType, body: z.ZodType, statusRef: string, summary: string) {
  const id = pathParameter(idName, idSchema);
  const notFound = errorResponse(`No such ${kind.slice(0, -1)} for this tenant`);
  return {
    [`/v1/${kind}`]: {
      post: {
        summary,
        parameters: [idempotencyHeader],
        requestBody: { required: true, content: json(schema(body)) },
        responses: {
          '202': {
            description: 'Queued (or replayed for a repeated Idempotency-Key); Location names the job',
            headers: { Location: { schema: { type: 'string' } } },
            content: json(schema(idName === 'styleId' ? styleCreatedResponse : reportCreatedResponse)),
          },
          '400': errorResponse('Invalid body'),
          '401': errorResponse('No or wrong API key'),
          ...(kind === 'styles'
            ? { '404': errorResponse('No such photo in that album (PHOTO_NOT_FOUND), or no such style reference photo in it (STYLE_REFERENCE_NOT_FOUND)') }
            : {}),
        },
      },
    },
    [`/v1/${kind}/{${idName}}`]: {
      get: {
        summary: 'Status: queued / running (with progress) / done / failed / cancelled, and the GPU queue backlog',
        parameters: [id],
        responses: { '200': ok('Status', ref(statusRef)), '404': notFound },
      },
      delete: {
        summary: 'Cancel: the GPU activity hears it through its heartbeats and stops the backend',
        parameters: [id],
        responses: { '202': ok('Cancelled (status after the request)', ref(statusRef)), '404': notFound, '409': errorResponse('Already finished') },
      },
    },
  };
}

export const gpuJobPaths = {
  ...jobPaths('styles', 'styleId', styleIdParam, createStyleBody, 'StyleStatus', 'Restyle an album photo from a free-text request (StyleTransferWorkflow)'),
  ...jobPaths('reports', 'reportId', reportIdParam, createReportBody, 'ReportStatus', 'Write a tuning report for two profiles (TuningReportWorkflow)'),
  '/v1/jobs': {
    get: {
      summary: "The tenant's GPU jobs, newest first, paged, with each GPU queue's backlog and pollers",
      parameters: queryParameters(listJobsQuery),
      responses: { '200': ok('One page of jobs', jobListResponse) },
    },
  },
};
