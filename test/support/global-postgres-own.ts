// Vitest global setup for the disruptive suite: always a server the tests started, since the
// restart test stops and starts it (a server someone else runs is not the tests' to restart).
import type { TestProject } from 'vitest/node';
import { startOwnServer } from './global-postgres.js';

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startOwnServer(project);
}
