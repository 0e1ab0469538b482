/**
 * The matching workflows' contract: inputs, results and progress views. Plain data, safe in
 * workflow code (the shapes the API also serves are inferred from ./contract/matching, type-only).
 */
import type { z } from 'zod';
import type { reindexProgressResponse } from './contract/matching';

/** A user field on a profile, usable in match filters. */
export type ProfileFieldValue = string | number | boolean;

export interface ProfileUpsertInput {
  op: 'upsert';
  tenant: string;
  userId: string;
  text: string;
  fields: Record<string, ProfileFieldValue>;
}

export interface ProfileDeleteInput {
  op: 'delete';
  tenant: string;
  userId: string;
  /** Every profile collection the user may be in (the current embedding's and older ones). */
  collections: string[];
}

export type ProfileWorkflowInput = ProfileUpsertInput | ProfileDeleteInput;

export interface ProfileWorkflowResult {
  op: 'upsert' | 'delete';
  userId: string;
  /** The vector space written (upsert). */
  embedding?: string;
  method?: string;
  collection?: string;
  fallbackReason?: string;
  /** Records removed (delete). */
  deleted?: number;
}

export interface ReindexInput {
  tenant: string;
  /** The collection to read profiles (text + fields) from. */
  fromCollection: string;
  pageSize?: number;
  /** Pages per run before continue-as-new (keeps each run's history small). */
  pagesPerRun?: number;
  /** Carried across continue-as-new. */
  progress?: ReindexProgress;
}

/** What the re-index workflow's progress query answers, as the API serves it. */
export type ReindexProgress = z.infer<typeof reindexProgressResponse>;

/** The profile page a re-index reads: what is needed to embed it again. */
export interface StoredProfile {
  userId: string;
  text: string;
  fields: Record<string, ProfileFieldValue>;
  textDigest: string;
}

/** Workflow ids, built only here: one profile's workflow, one re-index job's workflow. */
export const profileWorkflowId = (tenant: string, userId: string) => `profile-${tenant}-${userId}`;
export const reindexWorkflowId = (tenant: string, jobId: string) => `match-reindex-${tenant}-${jobId}`;
