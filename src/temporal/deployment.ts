/**
 * Worker Versioning's one operator step: make a build the current version of its Worker
 * Deployment, so new workflows start on it (pinned rollbacks stay where they started; the sync and
 * the tailer move on). `temporal worker deployment set-current-version` does the same from a shell.
 */
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { WorkerDeployment } from '../worker.js';

/** gRPC codes the server answers while the build's workers have not polled yet. */
const NOT_YET = new Set([5 /* NOT_FOUND */, 9 /* FAILED_PRECONDITION */]);

/**
 * Set `deployment.buildId` current in `deployment.deploymentName`, waiting (up to `timeoutMs`)
 * until its workers have polled, since the server only knows a version once they have.
 * @throws the server's error past the timeout, or at once for anything else.
 */
export async function setCurrentBuild(client: Client, deployment: WorkerDeployment, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName: deployment.deploymentName,
        buildId: deployment.buildId,
        identity: client.options.identity,
      });
      return;
    } catch (error) {
      if (!isGrpcServiceError(error) || !NOT_YET.has(error.code) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
