/**
 * Workflow bundles of a "next build": today's workflows with the rollback's plan step swapped for
 * a changed one (`test/fixtures/next-build/`), as a maintainer's next deploy would be. Built with
 * the worker's own bundler, the module swapped by a tiny webpack plugin at the one import site.
 */
import { fileURLToPath } from 'node:url';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleFlagopsWorkflows } from '../../src/worker.js';

const workflowsDir = fileURLToPath(new URL('../../workflows', import.meta.url));

/** `breaking`: an unguarded change (not replay-safe); `patched`: the same change behind `patched()`. */
export type NextBuild = 'breaking' | 'patched';

interface ResolveData {
  context: string;
  request: string;
}
interface Compiler {
  hooks: { normalModuleFactory: { tap(name: string, fn: (factory: { hooks: { beforeResolve: { tap(name: string, fn: (data: ResolveData) => void): void } } }) => void): void } };
}

const built = new Map<NextBuild, Promise<WorkflowBundleWithSourceMap>>();

export function nextBuildBundle(kind: NextBuild): Promise<WorkflowBundleWithSourceMap> {
  let bundle = built.get(kind);
  if (!bundle) {
    const replacement = fileURLToPath(new URL(`../fixtures/next-build/plan-${kind}.ts`, import.meta.url));
    const swapPlanStep = {
      apply(compiler: Compiler) {
        compiler.hooks.normalModuleFactory.tap('flagops-next-build', (factory) => {
          factory.hooks.beforeResolve.tap('flagops-next-build', (data) => {
            if (data.context === workflowsDir && data.request === './rollback/plan.js') data.request = replacement;
          });
        });
      },
    };
    bundle = bundleFlagopsWorkflows({ webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), swapPlanStep] }) });
    built.set(kind, bundle);
  }
  return bundle;
}
