/** Reads a workflow's real history: which worker identity ran and completed each activity. */
import type { Client } from '@temporalio/client';

export interface ActivityRun {
  name: string;
  taskQueue: string;
  attempt?: number;
  startedBy?: string;
  completedBy?: string;
  outcome: 'completed' | 'failed' | 'timed-out' | 'cancelled' | 'pending';
}

export async function activityRuns(client: Client, workflowId: string): Promise<ActivityRun[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const runs = new Map<string, ActivityRun>();
  const id = (v: unknown) => String(v);
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      runs.set(id(e.eventId), { name: scheduled.activityType?.name ?? '', taskQueue: scheduled.taskQueue?.name ?? '', outcome: 'pending' });
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const run = runs.get(id(started.scheduledEventId));
      if (run) Object.assign(run, { startedBy: started.identity ?? undefined, attempt: started.attempt ?? undefined });
      continue;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const run = runs.get(id(completed.scheduledEventId));
      if (run) Object.assign(run, { completedBy: completed.identity ?? undefined, outcome: 'completed' });
      continue;
    }
    const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (failed) {
      const run = runs.get(id(failed.scheduledEventId));
      if (run) run.outcome = e.activityTaskFailedEventAttributes ? 'failed' : e.activityTaskTimedOutEventAttributes ? 'timed-out' : 'cancelled';
    }
  }
  return [...runs.values()];
}
