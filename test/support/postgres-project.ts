/**
 * An end-to-end world with the state in PostgreSQL: the sandbox project of
 * sandbox-project.ts, its config pointing `state.url` at a fresh database of the run's
 * server instead of `state.path`. For running the lock, kill and chaos end-to-end tests
 * against both backends: `const project = await postgresSandboxProject()`.
 */
import { sandboxProject, type SandboxProject, type SandboxProjectOptions } from './sandbox-project.js';
import { freshDatabase, postgresState } from './postgres.js';

export interface PostgresSandboxProject extends SandboxProject {
  /** The database's URL (password included: never expect it in any output). */
  stateUrl: string;
}

export async function postgresSandboxProject(options: SandboxProjectOptions = {}): Promise<PostgresSandboxProject> {
  const stateUrl = await freshDatabase('e2e');
  const project = await sandboxProject({
    ...options,
    config: (config) => {
      options.config?.(config);
      postgresState(stateUrl)(config);
    },
  });
  return Object.assign(project, { stateUrl });
}
