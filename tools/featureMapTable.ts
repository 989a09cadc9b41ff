// The page's feature-map choice on ONNX models, counted per role: each model goes through the
// page's own model store (parse, probe run on onnxruntime-web's WASM backend in Node, default
// selection), exactly as when it is dropped on the page. Used by tools/feature_map_table.mjs.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CpuEngine } from '../src/engine/cpuEngine';
import { ROLES, type Role } from '../src/model/onnxGraph';
import { isSinglePixel, ModelStore, type Candidate } from '../src/session/modelStore';
import { Workspace } from '../src/session/workspace';

export interface ModelCounts {
  file: string;
  offered: number;
  chosen: number;
  /** Chosen per role. */
  byRole: Record<Role, number>;
  /** 1 x 1 maps offered (never chosen by default). */
  singlePixel: number;
  singlePixelChosen: number;
  /** Tensors read channels-last: offered, chosen. */
  channelsLast: number;
  channelsLastChosen: number;
  /** Chosen tensors that are gates or parts of an activation (must be 0). */
  gatesChosen: number;
  /** Whether the choice is in network order. */
  inOrder: boolean;
  /** The chosen tensors, in order, with role and shape (for the details). */
  chosenList: Array<{ tensor: string; role: Role; note: string; shape: number[]; layout: string }>;
}

export async function countModel(path: string): Promise<ModelCounts> {
  const engine = new CpuEngine();
  const workspace = new Workspace(() => engine);
  const store = new ModelStore(workspace, () => false);
  await store.loadModel([{ name: basename(path), blob: new Blob([readFileSync(path)]) }]);
  const { candidates, selected, error } = store.state;
  if (error) throw new Error(error);
  const byName = new Map(candidates.map((c) => [c.tensor, c]));
  const chosen = selected.map((t) => byName.get(t)!) as Candidate[];
  const byRole = Object.fromEntries(ROLES.map(({ role }) => [role, chosen.filter((c) => c.role === role).length])) as Record<Role, number>;
  return {
    file: basename(path),
    offered: candidates.length,
    chosen: chosen.length,
    byRole,
    singlePixel: candidates.filter(isSinglePixel).length,
    singlePixelChosen: chosen.filter(isSinglePixel).length,
    channelsLast: candidates.filter((c) => c.readAs === 'nhwc').length,
    channelsLastChosen: chosen.filter((c) => c.readAs === 'nhwc').length,
    gatesChosen: chosen.filter((c) => /^(gate|part of)/.test(c.note)).length,
    inOrder: chosen.every((c, i) => i === 0 || chosen[i - 1].order < c.order),
    chosenList: chosen.map((c) => ({ tensor: c.tensor, role: c.role, note: c.note, shape: c.shape, layout: c.readAs })),
  };
}
