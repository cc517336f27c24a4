#!/usr/bin/env node
// The flagops CLI runs its TypeScript sources through tsx: no build step after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
