// The demo's model structures as public/demo/manifest.json lists them: the plain CNN's checkpoints
// (the manifest's `checkpoints` and `final`, what the page has always read) and, where the manifest
// has them, the other structures (`structures`, written by tools/train_structures.py).

export interface DemoCheckpoint {
  file: string;
  step: number;
  accuracy: number | null;
}

export interface DemoStructure {
  id: string;
  name: string;
  description: string;
  checkpoints: DemoCheckpoint[];
  final: string;
}

type RawCheckpoint = { file?: unknown; step?: unknown; accuracy?: unknown };
type RawManifest = { checkpoints?: RawCheckpoint[]; final?: unknown; structures?: Array<{ id?: unknown; name?: unknown; description?: unknown; checkpoints?: RawCheckpoint[]; final?: unknown }> };

function checkpointsOf(raw: RawCheckpoint[] | undefined, where: string): DemoCheckpoint[] {
  return (raw ?? []).map((c, i) => {
    if (typeof c.file !== 'string' || typeof c.step !== 'number') throw new Error(`manifest.json: ${where} checkpoint ${i + 1} has no file name or no step`);
    return { file: c.file, step: c.step, accuracy: typeof c.accuracy === 'number' ? c.accuracy : null };
  });
}

/** The structures a manifest lists; a manifest without `structures` gives its checkpoints as one. */
export function demoStructures(manifest: unknown): DemoStructure[] {
  const m = (manifest ?? {}) as RawManifest;
  if (Array.isArray(m.structures) && m.structures.length) {
    return m.structures.map((s, i) => {
      const id = typeof s.id === 'string' ? s.id : `structure${i + 1}`;
      const checkpoints = checkpointsOf(s.checkpoints, `structure ${id}:`);
      if (checkpoints.length === 0) throw new Error(`manifest.json: structure ${id} has no checkpoints`);
      return { id, name: typeof s.name === 'string' ? s.name : id, description: typeof s.description === 'string' ? s.description : '', checkpoints, final: typeof s.final === 'string' ? s.final : checkpoints.at(-1)!.file };
    });
  }
  const checkpoints = checkpointsOf(m.checkpoints, 'a');
  if (checkpoints.length === 0) throw new Error('manifest.json lists no checkpoints');
  return [{ id: 'demo', name: 'Demo CNN', description: '', checkpoints, final: typeof m.final === 'string' ? m.final : checkpoints.at(-1)!.file }];
}

async function fetchOk(url: string, name: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${name}: the demo file could not be fetched (HTTP ${response.status})`);
  return response;
}

export async function fetchDemoStructures(base: string): Promise<DemoStructure[]> {
  return demoStructures(await (await fetchOk(`${base}demo/manifest.json`, 'manifest.json')).json());
}

export async function fetchDemoFile(base: string, file: string): Promise<Blob> {
  return (await fetchOk(`${base}demo/${file}`, file)).blob();
}
