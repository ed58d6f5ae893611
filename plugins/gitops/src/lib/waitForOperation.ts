import type { Operation } from '@mooring/plugin-gitops-common';
import type { GitopsApi } from '../api';

/**
 * Waits until an operation (typically a dry run) leaves `Running`, reading it from the
 * application's status. Returns the operation as the backend reports it at the end.
 */
export async function waitForOperation(
  api: GitopsApi,
  appId: string,
  operation: Operation,
  options: {
    intervalMs?: number;
    timeoutMs?: number;
    signal?: AbortSignal;
  } = {},
): Promise<Operation> {
  const { intervalMs = 1000, timeoutMs = 120_000, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let current = operation;
  while (current.phase === 'Running') {
    if (signal?.aborted) throw new Error('Cancelled');
    if (Date.now() > deadline) {
      throw new Error(
        `Operation ${
          operation.id
        } on ${appId} is still running after ${Math.round(
          timeoutMs / 1000,
        )} s; check the history table for its result.`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
    const app = await api.getApplication(appId);
    const latest = app.status.operation;
    if (latest && latest.id === operation.id) current = latest;
  }
  return current;
}
