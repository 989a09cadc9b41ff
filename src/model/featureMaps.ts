// Which tensors of an ONNX graph are feature maps a researcher would measure, and how to read them.
// A pure function of the graph (no shapes: those come from the probe run), derived from its
// structure rather than from node names:
//
// - Network order: the nodes in a stable topological order (the file's order where it is one).
// - Elementwise regions: a tensor made by elementwise ops from one tensor x (and constants) belongs
//   to x's region. A region that holds an activation op (Relu, Sigmoid, HardSigmoid, Erf, ...)
//   is a non-linearity of x; its last tensor (the one used outside the region) is the activation,
//   the tensors inside it (the Sigmoid of SiLU = x * Sigmoid(x), the HardSigmoid of Hardswish,
//   the Erf of GELU) are parts of it, never chosen. An activation used only to scale another
//   tensor (the Sigmoid of a squeeze-excitation) is a gate.
// - Block outputs: an Add (or Sum) of two feature maps that are not one region (a residual branch
//   and its skip, in either order); a Concat of branches (a DenseNet layer's input, held whole by
//   its block's last Concat, is not chosen); a channel shuffle (Reshape, Transpose, Reshape).
//   A block output that only feeds an activation (ResNet's Add then ReLU) is chosen as that
//   activation; a Concat that only feeds a channel shuffle, as the shuffle.
// - Layout: NCHW for the model input and what convolutions, pooling and normalisation make;
//   channels-last after a Transpose [0, 2, 3, 1], kept through elementwise ops, LayerNorm and
//   MatMul over the last axis, until a Transpose [0, 3, 1, 2]. Elsewhere (after a Reshape, say)
//   the graph does not tell.

import type { onnx } from './onnxGraph';

export type Role = 'activation' | 'block' | 'conv' | 'normalisation' | 'pooling' | 'other';
export const ROLES: ReadonlyArray<{ role: Role; label: string }> = [
  { role: 'activation', label: 'Activations' },
  { role: 'block', label: 'Block outputs' },
  { role: 'conv', label: 'Convolutions' },
  { role: 'normalisation', label: 'Normalisation' },
  { role: 'pooling', label: 'Pooling' },
  { role: 'other', label: 'Other' },
];

export type GraphLayout = 'nchw' | 'nhwc' | null;

export interface TensorCandidate {
  /** Tensor name (the full name: shown on hover and written beside the short name in the exports). */
  tensor: string;
  /**
   * What the page calls the feature map: the module path the exporter wrote into the node name
   * (`layer1.0.relu_1`), unique within the model, else the tensor name (layerNames.ts). Set by
   * parseModel; absent on candidates made by analyseGraph alone.
   */
  label?: string;
  node: string;
  opType: string;
  role: Role;
  /** What the tensor is, in a few words ("SiLU: Sigmoid x Mul", "residual Add", "gate of ..."). */
  note: string;
  /** Chosen by default when it is a feature map with more than one pixel. */
  preferred: boolean;
  /** Position in network (topological) order. */
  order: number;
  /** The layout the graph gives the tensor (null: the graph does not tell), and why. */
  layout: GraphLayout;
  layoutReason: string;
}

const CONV_OPS = new Set(['Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv']);
const LINEAR_OPS = new Set(['MatMul', 'Gemm', 'MatMulInteger', 'QLinearMatMul']);
const POOL_OPS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool']);
const NORM_OPS = new Set(['BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization', 'LRN']);
/** Elementwise non-linearities: a region holding one is an activation. */
const ACTIVATION_OPS = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Clip', 'Elu', 'Selu', 'Celu', 'Gelu', 'Softplus', 'Softsign', 'Mish', 'ThresholdedRelu', 'Erf', 'Exp', 'Log', 'Max', 'Min']);
/** Other elementwise ops (affine maps with constants, powers, casts): they continue a region. */
const ELEMENTWISE_OPS = new Set([...ACTIVATION_OPS, 'Identity', 'Dropout', 'Cast', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Abs', 'Pow', 'Sqrt', 'Reciprocal', 'Sum']);
/** Ops whose output has the layout of their (non-constant) inputs. */
const LAYOUT_KEEPING = new Set([...ELEMENTWISE_OPS, 'Concat', 'Split', 'Slice', 'Pad', 'Resize', 'Upsample', 'Softmax', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceL2', 'Where']);
/** Ops that move or pad values without computing new ones (a convolution's output stays one). */
const PASS_OPS = new Set(['Pad', 'Resize', 'Upsample', 'Slice', 'Split', 'Identity', 'Dropout']);
/** Ops whose output is NCHW by the ONNX operator's definition. */
const NCHW_OPS = new Set([...CONV_OPS, ...POOL_OPS, 'BatchNormalization', 'InstanceNormalization', 'GroupNormalization', 'LRN', 'SpaceToDepth', 'DepthToSpace']);

/** A readable name for a node: its own, else "<op> #<position>". */
function nodeName(node: onnx.INodeProto, at: number): string {
  return node.name || `${node.opType} #${at}`;
}

/** Nodes in a stable topological order (each node after the producers of its inputs; ties in file order). */
export function topologicalOrder(nodes: readonly onnx.INodeProto[]): onnx.INodeProto[] {
  const producerOf = new Map<string, number>();
  nodes.forEach((node, i) => {
    for (const o of node.output ?? []) if (o) producerOf.set(o, i);
  });
  const waiting = nodes.map((node) => new Set((node.input ?? []).map((t) => producerOf.get(t)).filter((p): p is number => p !== undefined)));
  const consumers = nodes.map(() => [] as number[]);
  waiting.forEach((deps, i) => deps.forEach((p) => consumers[p].push(i)));
  const done = new Array<boolean>(nodes.length).fill(false);
  const order: onnx.INodeProto[] = [];
  // A min-ordered ready list (file order among ready nodes); graphs are small enough for a scan.
  const ready = new Set<number>(waiting.flatMap((d, i) => (d.size === 0 ? [i] : [])));
  while (ready.size) {
    const next = Math.min(...ready);
    ready.delete(next);
    done[next] = true;
    order.push(nodes[next]);
    for (const c of consumers[next]) {
      waiting[c].delete(next);
      if (waiting[c].size === 0 && !done[c]) ready.add(c);
    }
  }
  // A cycle (not a valid graph): what could not be ordered keeps its file position at the end.
  nodes.forEach((node, i) => {
    if (!done[i]) order.push(node);
  });
  return order;
}

function intsAttr(node: onnx.INodeProto, name: string): number[] | null {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.ints?.length ? a.ints.map(Number) : null;
}

function intAttr(node: onnx.INodeProto, name: string): number | null {
  const a = node.attribute?.find((x) => x.name === name);
  return a && a.i !== undefined && a.i !== null ? Number(a.i) : null;
}

const samePerm = (p: number[] | null, q: number[]) => !!p && p.length === q.length && p.every((v, i) => v === q[i]);

/**
 * The candidates: every float tensor a node makes (graph outputs included), in network order,
 * each with its role, whether it is chosen by default, and its layout as the graph gives it.
 */
export function analyseGraph(graph: onnx.IGraphProto, types: Map<string, number>, graphInputs: Set<string>, floatType = 1): TensorCandidate[] {
  const nodes = topologicalOrder(graph.node ?? []);
  const position = new Map<onnx.INodeProto, number>(nodes.map((n, i) => [n, i]));
  const producer = new Map<string, onnx.INodeProto>();
  const consumers = new Map<string, onnx.INodeProto[]>();
  for (const node of nodes) {
    for (const o of node.output ?? []) if (o) producer.set(o, node);
    for (const i of node.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), node]);
  }
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));

  // Constants: initializers, Constant nodes and what is computed from them alone.
  const constant = new Set<string>((graph.initializer ?? []).map((t) => t.name ?? ''));
  for (const node of nodes) {
    const ins = (node.input ?? []).filter(Boolean);
    if (node.opType === 'Constant' || (ins.length > 0 && ins.every((i) => constant.has(i)) && node.opType !== 'Shape')) {
      for (const o of node.output ?? []) if (o) constant.add(o);
    }
  }
  const live = (node: onnx.INodeProto) => (node.input ?? []).filter((i) => i && !constant.has(i));

  // Elementwise regions: root of each tensor, and whether its region holds an activation op.
  const root = new Map<string, string>();
  const activation = new Map<string, boolean>();
  const rootOf = (t: string) => root.get(t) ?? t;
  for (const node of nodes) {
    const out = node.output?.[0];
    if (!out) continue;
    const ins = live(node);
    if (!ELEMENTWISE_OPS.has(node.opType ?? '') || ins.length === 0) continue;
    // Dropout's mask, Split's pieces: only the first output continues the region.
    const roots = new Set(ins.map(rootOf));
    if (roots.size !== 1) continue;
    root.set(out, [...roots][0]);
    activation.set(out, ACTIVATION_OPS.has(node.opType ?? '') || ins.some((i) => activation.get(i) === true));
  }
  /** Whether `node` continues the region of tensor `t`. */
  const continues = (node: onnx.INodeProto, t: string) => {
    const out = node.output?.[0];
    return !!out && root.has(out) && root.get(out) === rootOf(t);
  };
  const users = (t: string) => consumers.get(t) ?? [];
  /** The region's last tensor: used outside the region (or a graph output, or unused). */
  const regionEnd = (t: string) => graphOutputs.has(t) || users(t).length === 0 || users(t).some((u) => !continues(u, t));
  /** Whether `t` flows, inside its region, into a node that joins two of the region's tensors (x * Sigmoid(x)). */
  const merges = new Map<string, boolean>();
  const feedsMerge = (t: string): boolean => {
    const known = merges.get(t);
    if (known !== undefined) return known;
    merges.set(t, false);
    const found = users(t).some((u) => continues(u, t) && (live(u).length >= 2 || feedsMerge(u.output![0]!)));
    merges.set(t, found);
    return found;
  };
  /**
   * An activation: a tensor of a region holding an activation op that is not a part of a larger
   * non-linearity (it feeds no join inside the region), and either ends the region or is an
   * activation op's output (ReLU then Sigmoid: two activations).
   */
  const isActivation = (t: string) => root.has(t) && activation.get(t) === true && !feedsMerge(t) && (regionEnd(t) || ACTIVATION_OPS.has(producer.get(t)?.opType ?? ''));
  /** Activation tensors of the region rooted at r. */
  const activationsOf = new Map<string, string[]>();
  for (const [t, r] of root) if (isActivation(t)) activationsOf.set(r, [...(activationsOf.get(r) ?? []), t]);

  // Decomposed LayerNorm (opset < 17): Div(Sub(x, ReduceMean(x)), Sqrt(...)), then scale and shift.
  const isDecomposedNorm = (t: string) => {
    const div = producer.get(t);
    if (div?.opType !== 'Div') return false;
    const sub = producer.get(div.input?.[0] ?? '');
    if (sub?.opType !== 'Sub') return false;
    const mean = producer.get(sub.input?.[1] ?? '');
    return mean?.opType === 'ReduceMean' && mean.input?.[0] === sub.input?.[0];
  };

  const linearWeights = (node: onnx.INodeProto) => LINEAR_OPS.has(node.opType ?? '') && (node.input ?? []).slice(1, 2).every((i) => constant.has(i));
  /** The tensor comes from a convolution (or a linear layer): directly, through normalisation, or as a block of such. */
  const convLike = (t: string, depth = 0): boolean => {
    if (depth > 6) return false;
    if (root.has(t)) return convLike(rootOf(t), depth + 1);
    const p = producer.get(t);
    if (!p) return false;
    const op = p.opType ?? '';
    if (CONV_OPS.has(op) || linearWeights(p)) return true;
    // Normalised or pooled convolution outputs are still convolution features (DenseNet's first
    // dense layer of a block normalises the pooled transition).
    if (NORM_OPS.has(op) || (POOL_OPS.has(op) && !op.startsWith('Global')) || PASS_OPS.has(op)) return convLike(p.input?.[0] ?? '', depth + 1);
    if (isDecomposedNorm(t)) return convLike(producer.get(p.input?.[0] ?? '')?.input?.[0] ?? '', depth + 1);
    if (op === 'Add' || op === 'Sum' || op === 'Concat') return live(p).some((i) => convLike(i, depth + 1));
    if (isShuffle(p)) return convLike(producer.get(producer.get(p.input?.[0] ?? '')?.input?.[0] ?? '')?.input?.[0] ?? '', depth + 1);
    return false;
  };
  /** The second Reshape of a channel shuffle: Reshape -> Transpose (swapping the group and channel axes) -> Reshape. */
  function isShuffle(node: onnx.INodeProto): boolean {
    if (node.opType !== 'Reshape') return false;
    const transpose = producer.get(node.input?.[0] ?? '');
    if (transpose?.opType !== 'Transpose' || !samePerm(intsAttr(transpose, 'perm'), [0, 2, 1, 3, 4])) return false;
    return producer.get(transpose.input?.[0] ?? '')?.opType === 'Reshape';
  }

  // Concats of the same branches: one whose inputs another Concat holds all of (and more) is inside that block.
  const concats = nodes.filter((n) => n.opType === 'Concat' && live(n).length >= 2);
  const heldBy = (node: onnx.INodeProto) => {
    const mine = new Set(live(node));
    return concats.find((other) => other !== node && live(other).length > mine.size && [...mine].every((i) => live(other).includes(i)));
  };

  // Layout, node by node.
  const layout = new Map<string, { layout: GraphLayout; reason: string }>();
  for (const i of graphInputs) layout.set(i, { layout: 'nchw', reason: 'the model input' });
  const layoutOf = (t: string) => layout.get(t) ?? { layout: null, reason: '' };
  for (const node of nodes) {
    const op = node.opType ?? '';
    const name = nodeName(node, position.get(node)!);
    const ins = live(node);
    const first = layoutOf(ins[0] ?? '');
    let result: { layout: GraphLayout; reason: string } = { layout: null, reason: `the graph does not tell (after ${op} ${name})` };
    if (NCHW_OPS.has(op)) result = { layout: 'nchw', reason: `${op} output, as ONNX defines it` };
    else if (op === 'Transpose') {
      const perm = intsAttr(node, 'perm');
      if (first.layout === 'nchw' && samePerm(perm, [0, 2, 3, 1])) result = { layout: 'nhwc', reason: `channels-last: Transpose [0, 2, 3, 1] of an NCHW tensor (${name})` };
      else if (first.layout === 'nhwc' && samePerm(perm, [0, 3, 1, 2])) result = { layout: 'nchw', reason: `Transpose [0, 3, 1, 2] of a channels-last tensor (${name})` };
    } else if (op === 'LayerNormalization') {
      const axis = intAttr(node, 'axis') ?? -1;
      if (first.layout === 'nhwc' && (axis === -1 || axis === 3)) result = { layout: 'nhwc', reason: `channels-last: LayerNorm over the last axis of a channels-last tensor (${name})` };
      else if (first.layout) result = first;
    } else if (LINEAR_OPS.has(op)) {
      if (first.layout === 'nhwc' && linearWeights(node)) result = { layout: 'nhwc', reason: `channels-last: ${op} over the last axis of a channels-last tensor (${name})` };
    } else if (isShuffle(node)) {
      const before = layoutOf(producer.get(producer.get(node.input?.[0] ?? '')?.input?.[0] ?? '')?.input?.[0] ?? '');
      if (before.layout === 'nchw') result = { layout: 'nchw', reason: `channel shuffle of an NCHW tensor (${name})` };
    } else if (LAYOUT_KEEPING.has(op) && ins.length > 0 && (op.startsWith('Reduce') ? intAttr(node, 'keepdims') !== 0 : true)) {
      const layouts = new Set(ins.map((i) => layoutOf(i).layout));
      if (layouts.size === 1 && first.layout) result = first;
    }
    for (const o of node.output ?? []) if (o) layout.set(o, result);
  }

  const candidates: TensorCandidate[] = [];
  for (const node of nodes) {
    const order = position.get(node)!;
    const op = node.opType ?? '?';
    for (const tensor of node.output ?? []) {
      if (!tensor || types.get(tensor) !== floatType || constant.has(tensor)) continue;
      let role: Role = 'other';
      let note = '';
      let preferred = false;
      const r = root.get(tensor);
      const ins = live(node);
      if (r !== undefined && tensor === node.output?.[0]) {
        const ends = regionEnd(tensor);
        if (isActivation(tensor)) {
          const gate = ends && users(tensor).length > 0 && users(tensor).every((u) => u.opType === 'Mul' && !continues(u, tensor));
          if (gate) {
            note = `gate: scales another tensor`;
          } else {
            role = 'activation';
            preferred = convLike(r);
            const ops = regionOps(tensor, r);
            const known = ops.includes('Erf') ? 'GELU' : ops.includes('HardSigmoid') && ops.includes('Mul') ? 'Hardswish' : ops.includes('Sigmoid') && ops.includes('Mul') ? 'SiLU' : null;
            const words = ops.length > 1 ? ops.join(' → ') : op;
            note = `${known ? `${known} (${words})` : words} of ${r}`;
            if (!preferred) note += ' (not after a convolution)';
            const rp = producer.get(r);
            if (rp && (rp.opType === 'Add' || rp.opType === 'Sum') && live(rp).length >= 2 && !root.has(r)) note += '; block output';
          }
        } else if (activation.get(tensor)) {
          const end = (activationsOf.get(r) ?? []).at(-1);
          note = end ? `part of the activation ${end} (not a feature map of its own)` : 'inside an activation';
        } else if (isDecomposedNorm(r) && ends) {
          role = 'normalisation';
          note = 'LayerNorm (decomposed)';
        } else if (ends && (CONV_OPS.has(producer.get(r)?.opType ?? '') || linearWeights(producer.get(r) ?? {}))) {
          role = 'conv';
          note = `${op} of ${producer.get(r)?.opType} output (bias or scale)`;
        }
      } else if (op === 'Mul' && ins.length === 2 && ins.some((i) => isActivation(i) && users(i).every((u) => u.opType === 'Mul'))) {
        note = 'scaled by a gate (squeeze-excitation)';
      } else if (CONV_OPS.has(op) || (LINEAR_OPS.has(op) && linearWeights(node))) {
        role = 'conv';
      } else if (NORM_OPS.has(op)) {
        role = 'normalisation';
      } else if (isDecomposedNorm(tensor)) {
        role = 'normalisation';
        note = 'LayerNorm (decomposed), before its scale and shift';
      } else if (POOL_OPS.has(op)) {
        role = 'pooling';
      } else if ((op === 'Add' || op === 'Sum') && ins.length >= 2) {
        role = 'block';
        const into = activationsOf.get(tensor);
        if (into?.length && users(tensor).every((u) => continues(u, tensor))) note = `residual ${op}; chosen as the activation after it (${into[0]})`;
        else {
          note = `residual ${op}`;
          preferred = true;
        }
      } else if (op === 'Concat' && ins.length >= 2) {
        role = 'block';
        const holder = heldBy(node);
        const shuffle = users(tensor).length > 0 && users(tensor).every((u) => u.opType === 'Reshape' && users(u.output?.[0] ?? '').some((t) => t.opType === 'Transpose' && users(t.output?.[0] ?? '').some(isShuffle)));
        if (holder) note = `Concat of ${ins.length} branches, inside the block that ${holder.output?.[0]} ends`;
        else if (shuffle) note = `Concat of ${ins.length} branches; chosen as the channel shuffle after it`;
        else {
          note = `Concat of ${ins.length} branches`;
          preferred = true;
        }
      } else if (isShuffle(node)) {
        role = 'block';
        note = 'channel shuffle';
        preferred = true;
      }
      const l = layoutOf(tensor);
      candidates.push({ tensor, node: nodeName(node, order), opType: op, role, note, preferred, order, layout: l.layout, layoutReason: l.reason });
    }
  }
  return candidates;

  /** The op types of an activation region, from its root to `end` (SiLU: Sigmoid → Mul). */
  function regionOps(end: string, r: string): string[] {
    const ops: string[] = [];
    const seen = new Set<string>();
    const walk = (t: string) => {
      if (t === r || seen.has(t) || !root.has(t)) return;
      seen.add(t);
      const p = producer.get(t)!;
      for (const i of live(p)) walk(i);
      ops.push(p.opType ?? '?');
    };
    walk(end);
    return ops;
  }
}

/** H x W of a candidate's stored dims, read in its layout (null when not 4-D). */
export function spatialSize(dims: readonly number[], layout: GraphLayout | 'nchw' | 'nhwc'): [number, number] | null {
  if (dims.length !== 4) return null;
  return layout === 'nhwc' ? [dims[1], dims[2]] : [dims[2], dims[3]];
}
