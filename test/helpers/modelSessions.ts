// Counts the model runtime's sessions (src/model/runtime.ts) while a test runs: how many were
// created, how many runs they made, how many were released. The caller restores the spy
// (vi.restoreAllMocks) when it is done.
import { vi } from 'vitest';
import { ModelSession } from '../../src/model/runtime';

export function countModelSessions(): { created: number; runs: number; released: number } {
  const create = ModelSession.create.bind(ModelSession);
  const log = { created: 0, runs: 0, released: 0 };
  vi.spyOn(ModelSession, 'create').mockImplementation(async (...args) => {
    const session = await create(...args);
    log.created++;
    const run = session.run.bind(session);
    session.run = (...a) => {
      log.runs++;
      return run(...a);
    };
    const release = session.release.bind(session);
    session.release = async () => {
      log.released++;
      await release();
    };
    return session;
  });
  return log;
}
