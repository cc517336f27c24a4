/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: each profile resolves
 * through compose-go (the loader docker compose v2 is built on: schema, interpolation, profiles),
 * every service has a healthcheck and a restart policy, Temporal registers exactly the code's search
 * attributes, the compose flagops.yaml passes flagops' own validation, and the image runs as a
 * non-root user under an init. What this does not show: that the images build and the stack runs
 * (README, "Docker").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { projectDir } from '../src/paths.js';
import { searchAttributes } from '../src/temporal/search-attributes.js';

const composeConfig = execFileSync('bash', [join(projectDir, 'scripts/compose-config.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  healthcheck?: { test?: string[] };
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  init?: boolean;
}

/** The project `docker compose --profile … config` would print, parsed. */
function resolve(...profiles: string[]): { services: Record<string, Service> } {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  return parse(execFileSync(composeConfig, [join(projectDir, 'docker-compose.yml'), ...profiles], { encoding: 'utf8', cwd: projectDir, env })) as { services: Record<string, Service> };
}

describe('docker-compose.yml', () => {
  it('resolves for each profile, with the services that profile adds', () => {
    expect(Object.keys(resolve().services).sort()).toEqual(['postgresql', 'temporal', 'worker']);
    expect(Object.keys(resolve('rehearsal').services).sort()).toEqual(['postgresql', 'sandbox', 'temporal', 'worker']);
    expect(Object.keys(resolve('flagsmith').services).sort()).toEqual(['flagsmith', 'postgresql', 'temporal', 'worker']);
  });

  it('gives every service a healthcheck and a restart policy, and starts the worker only on healthy dependencies', () => {
    const { services } = resolve('rehearsal', 'flagsmith');
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
      expect(service.restart, name).toBe('unless-stopped');
    }
    expect(services.worker?.depends_on).toMatchObject({ postgresql: { condition: 'service_healthy' }, temporal: { condition: 'service_healthy' } });
    expect(services.worker?.init).toBe(true);
    expect(services.worker?.build).toBeDefined();
  });

  it('registers exactly the search attributes of the code on its Temporal dev server, with eager activities and a persisted database', () => {
    const command = resolve().services.temporal?.command ?? [];
    const registered = Object.fromEntries(
      command.flatMap((arg, i) => (command[i - 1] === '--search-attribute' ? [arg.split('=') as [string, string]] : [])),
    );
    expect(registered).toEqual(searchAttributes);
    expect(command).toContain('system.enableActivityEagerExecution=true');
    expect(command[command.indexOf('--db-filename') + 1]).toBe('/data/temporal.db');
  });

  it("points the worker at the rehearsal sandbox by default, and its flagops.yaml passes flagops' validation", () => {
    const { services } = resolve('rehearsal');
    expect(services.worker?.environment?.FLAGSMITH_API_URL).toBe('http://sandbox:8000');
    expect(services.worker?.environment?.FLAGSMITH_ADMIN_TOKEN).toBe('Token rehearsal-token');
    expect(services.sandbox?.command).toEqual(expect.arrayContaining(['sandbox', '--token', 'rehearsal-token', '--seed', '/app/examples/sandbox-seed.yaml']));
    const config = parseConfig(parse(readFileSync(join(projectDir, 'deploy/compose/flagops.yaml'), 'utf8')), 'deploy/compose/flagops.yaml', {});
    expect(config.flagsmith.environments.map((e) => e.name)).toEqual(['Production', 'Development']);
  });

  it('is refused when a key is misspelt (the validation can fail)', () => {
    const broken = readFileSync(join(projectDir, 'docker-compose.yml'), 'utf8').replace('restart: unless-stopped', 'restrat: unless-stopped');
    const path = join(mkdtempSync(join(tmpdir(), 'flagops-compose-')), 'docker-compose.yml');
    writeFileSync(path, broken);
    const run = () => execFileSync(composeConfig, [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run).toThrow();
    try {
      run();
    } catch (error) {
      expect(String((error as { stderr?: unknown }).stderr)).toMatch(/services\.\w+\.restrat/);
    }
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(projectDir, 'Dockerfile'), 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs the built CLI as a non-root user under tini, with the memory budget', () => {
    expect(finalStage).toMatch(/^USER node$/m);
    expect(finalStage).toContain('ENTRYPOINT ["tini", "--", "node", "/app/bin/flagops.mjs"]');
    expect(finalStage).toContain('--max-old-space-size=192 --max-semi-space-size=4');
    expect(dockerfile).toMatch(/RUN npm run build/);
  });
});
