import { workflowUrl } from '../api';
import { useConsoleConfig } from './use-console-config';

/** A link to the workflow's page in Temporal's Web UI, when the console knows where that is. */
export function WorkflowLink({ workflowId }: { workflowId?: string }) {
  const cfg = useConsoleConfig();
  const href = workflowId ? workflowUrl(cfg, workflowId) : undefined;
  if (!href) return null;
  return (
    <a class="wf-link" href={href} target="_blank" rel="noopener noreferrer">
      Workflow in Temporal Web UI ↗
    </a>
  );
}
