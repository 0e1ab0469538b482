/**
 * Makes sure a namespace exists and carries Lightbox's search attributes. Idempotent: run it
 * against the dev server at every start and against a real cluster at deploy time
 * (`npm run temporal:setup`).
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/shared/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

export async function ensureNamespace(connection: Connection, namespace: string, retentionDays = 7): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if ((err as { code?: number }).code !== 5 /* NOT_FOUND */) throw err;
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
      });
    } catch (regErr) {
      if ((regErr as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw regErr;
    }
  }
  await ensureSearchAttributes(connection, namespace);
}

/** Registers whichever of our search attributes the namespace lacks. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  let existing: Record<string, unknown> = {};
  try {
    existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (err) {
    // The Java time-skipping server can add search attributes but not list them.
    if ((err as { code?: number }).code !== 12 /* UNIMPLEMENTED */) throw err;
  }
  const missing = SEARCH_ATTRIBUTE_DEFINITIONS.filter((d) => !(d.name in existing));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((d) => [d.name, KEYWORD])),
    });
  }
}
