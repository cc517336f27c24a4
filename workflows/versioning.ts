/**
 * Each workflow's Worker Versioning behaviour (README, "Changing workflow code"). Temporal refuses
 * a behaviour from a worker that is not versioned, so it is declared only when the worker runs as
 * a build of a Worker Deployment (`FLAGOPS_BUILD_ID`); an unversioned worker declares none.
 */
import type { VersioningBehavior } from '@temporalio/common';
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';

/** Declare `behavior` for `workflow` on versioned workers. */
export function versioningBehavior<A extends unknown[], R>(behavior: VersioningBehavior, workflow: (...args: A) => Promise<R>): void {
  // An unversioned worker still reports a build id (derived from its bundle), never a deployment name.
  setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: behavior } : {}), workflow);
}
