// The session kept between reloads (src/session/sessionKeeper.ts) on the page's stores in Node,
// its storage a map: writes come a moment after a change (one per burst, none when nothing kept
// changed), the next page restores what was kept, the bound leaves files out first (named), then
// keeps nothing and says so; a kept session that cannot be restored is reported and replaced.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { ModelStore } from '../src/session/modelStore';
import { LabStore } from '../src/session/labStore';
import { Workspace, paneResults } from '../src/session/workspace';
import { restoreSession, snapshotSession } from '../src/session/sessionSnapshot';
import { DEFAULT_BOUND, SessionKeeper, type KeeperHost, type KeptStorage } from '../src/session/sessionKeeper';
import type { SessionDocument } from '../src/session/sessionDocument';

const fixtures = join(__dirname, 'fixtures', 'srop');
const fileOf = (name: string) => ({ name, blob: new Blob([readFileSync(join(fixtures, name))]) });

function memoryStorage(quota: number | null = null) {
  const log = { writes: 0, clears: 0 };
  let kept: unknown = null;
  const storage: KeptStorage = {
    read: async () => kept,
    write: async (doc: SessionDocument) => {
      log.writes++;
      kept = doc;
    },
    clear: async () => {
      log.clears++;
      kept = null;
    },
    quota: async () => quota,
  };
  return { storage, log, kept: () => kept as SessionDocument | null, put: (value: unknown) => (kept = value) };
}

function page(storage: KeptStorage, waits: [number, number, number] = [20_000, 5_000, 60_000]) {
  const engine = new CpuEngine();
  const workspace = new Workspace(() => engine);
  const model = new ModelStore(workspace, () => false);
  const lab = new LabStore(model, () => workspace.state.params, () => engine);
  const host: KeeperHost = {
    workspace,
    model,
    lab,
    snapshot: (options) => snapshotSession({ workspace, model, lab }, options),
    restore: (doc, options) => restoreSession({ workspace, model, lab }, doc, options),
  };
  return { workspace, model, keeper: new SessionKeeper(host, storage, 20, ...waits) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the session kept between reloads', () => {
  it('writes after changes, not on every one nor when nothing kept changed; the next page restores it', async () => {
    const memory = memoryStorage();
    const first = page(memory.storage);
    expect(await first.keeper.start()).toBe(false);
    await first.workspace.addFiles('A', [fileOf('maps_28x28.npy'), fileOf('maps_13x17.npy')]);
    await first.workspace.idle();
    expect(first.keeper.state.pending).toBe(true);
    await wait(80);
    // Layers finishing one after another: a write at most every 20 ms, far fewer than the changes.
    const writes = memory.log.writes;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(3);
    expect(memory.kept()!.panes.A.files.flatMap((f) => f.layers.map((l) => l.status))).toEqual(['done', 'done']);
    expect(first.keeper.state).toMatchObject({ pending: false, leftOut: [], message: null });
    expect(first.keeper.state.kept!.bytes).toBeGreaterThan(20_000);
    // A message on the model panel changes nothing kept: no write.
    first.model.reportError('something to say');
    await wait(60);
    expect(memory.log.writes).toBe(writes);
    first.workspace.setParams({ kappa: 0.7 });
    await first.keeper.flush();
    expect(memory.log.writes).toBe(writes + 1);
    expect(memory.kept()!.params.kappa).toBe(0.7);

    const second = page(memory.storage);
    expect(await second.keeper.start()).toBe(true);
    expect(second.workspace.state.params.kappa).toBe(0.7);
    expect(paneResults(second.workspace.state.panes.A)).toEqual(paneResults(first.workspace.state.panes.A));
    // A restore is not written back until the page changes.
    await wait(60);
    expect(memory.log.writes).toBe(writes + 1);
  });

  it('the bound: files left out first, named; then nothing kept, the kept session removed, and a message', async () => {
    const memory = memoryStorage();
    const { workspace, keeper } = page(memory.storage);
    await keeper.start();
    await workspace.addFiles('A', [fileOf('maps_251x251.npy')]);
    await workspace.idle();
    keeper.setBound(100_000);
    await keeper.flush();
    expect(keeper.state.leftOut).toEqual(['maps_251x251.npy (246 kB)']);
    expect(keeper.state.message).toBe('Kept in this browser without maps_251x251.npy (246 kB) (past the 98 kB it keeps): after a reload, pick it again to see its maps.');
    expect(memory.kept()!.panes.A.files[0]).toMatchObject({ blob: null, leftOut: { bytes: 252_132, reason: 'past the 98 kB this browser keeps' } });
    expect(keeper.state.kept!.bytes).toBeLessThanOrEqual(100_000);
    keeper.setBound(1_000);
    await keeper.flush();
    expect(memory.kept()).toBeNull();
    expect(memory.log.clears).toBe(1);
    expect(keeper.state.kept).toBeNull();
    expect(keeper.state.message).toMatch(/^This session is not kept in this browser: without its activation files it holds \d+ kB, past the 1 kB the browser keeps\. A reload would lose it: use Save session to keep it as a file\.$/);
  });

  it('the bound follows the quota the browser grants (half of it, at most 500 MB)', async () => {
    const small = page(memoryStorage(10_000_000).storage);
    await small.keeper.start();
    expect(small.keeper.state.bound).toBe(5_000_000);
    const large = page(memoryStorage(10 * 2 ** 30).storage);
    await large.keeper.start();
    expect(large.keeper.state.bound).toBe(500 * 2 ** 20);
    // A bound lowered while the browser is asked for its quota stays (the quota only lowers it further).
    let grant: (quota: number) => void = () => {};
    const slow = page({ ...memoryStorage().storage, quota: () => new Promise<number>((r) => (grant = r)) });
    const started = slow.keeper.start();
    slow.keeper.setBound(100_000);
    grant(10 * 2 ** 30);
    await started;
    expect(slow.keeper.state.bound).toBe(100_000);
  });

  it('a kept session that cannot be restored: one message naming it, the page opens empty; restore: false skips it', async () => {
    const memory = memoryStorage();
    memory.put({ version: 99, params: { kappa: 0.85 } });
    const { workspace, keeper } = page(memory.storage);
    expect(await keeper.start()).toBe(false);
    expect(keeper.state.error).toBe('the session kept in this browser: the session document is version 99, newer than this app reads (up to 1): open it with a newer version of the app; it could not be restored');
    expect(workspace.state.panes.A.files).toEqual([]);
    const skipped = page(memory.storage);
    expect(await skipped.keeper.start({ restore: false })).toBe(false);
    expect(skipped.keeper.state.error).toBeNull();
    // New session: forgotten, and nothing more is written.
    await skipped.keeper.clear();
    expect(memory.kept()).toBeNull();
    skipped.workspace.setParams({ kappa: 0.6 });
    await wait(60);
    expect(memory.kept()).toBeNull();
  });

  it('storage that never answers does not hold the page: past the waits it goes on (the default bound) and says why', async () => {
    const never = new Promise<never>(() => {});
    const silent: KeptStorage = { read: () => never, write: () => never, clear: () => never, quota: () => never };
    const stuck = page(silent, [60, 30, 60_000]);
    expect(await stuck.keeper.start()).toBe(false);
    expect(stuck.keeper.state.bound).toBe(DEFAULT_BOUND);
    expect(stuck.keeper.state.error).toBe("the session kept in this browser: the browser's storage did not answer in 0.06 s; it could not be restored");
    // The page works on: files load and are measured.
    await stuck.workspace.addFiles('A', [fileOf('maps_28x28.npy')]);
    await stuck.workspace.idle();
    expect(paneResults(stuck.workspace.state.panes.A)).toHaveLength(1);
  });

  it('a restore that does not finish is given up after its wait, and said', async () => {
    const memory = memoryStorage();
    const first = page(memory.storage);
    await first.keeper.start();
    await first.workspace.addFiles('A', [fileOf('maps_28x28.npy')]);
    await first.workspace.idle();
    await first.keeper.flush();
    const engine = new CpuEngine();
    const workspace = new Workspace(() => engine);
    const model = new ModelStore(workspace, () => false);
    const lab = new LabStore(model, () => workspace.state.params, () => engine);
    const host: KeeperHost = { workspace, model, lab, snapshot: (o) => snapshotSession({ workspace, model, lab }, o), restore: () => new Promise<never>(() => {}) };
    const keeper = new SessionKeeper(host, memory.storage, 20, 20_000, 5_000, 50);
    expect(await keeper.start()).toBe(false);
    expect(keeper.state.error).toBe('the session kept in this browser: its restore had not finished after 0.05 s, and the page went on without it; it could not be restored');
  });
});
