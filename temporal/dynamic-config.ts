/**
 * Dynamic config for the embedded dev server. The production cluster sets the same keys in its
 * dynamic config file (deploy/); values here must stay valid JSON literals.
 */
export const DEV_DYNAMIC_CONFIG: Record<string, string | number | boolean> = {
  // The API answers "accepted/rejected per photo" synchronously through workflow updates.
  'frontend.enableUpdateWorkflowExecution': true,
  // Visibility queries right after an upsert (tests, the demo) should see it.
  'system.forceSearchAttributesCacheRefreshOnRead': true,
};

export function dynamicConfigArgs(values = DEV_DYNAMIC_CONFIG): string[] {
  return Object.entries(values).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]);
}
