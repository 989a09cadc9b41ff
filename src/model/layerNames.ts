// Short layer names. PyTorch's ONNX exporter (1.13 on) writes each node's module path into its
// name: the ReLU module `layer1.0.relu_1` becomes the node `/layer1/layer1.0/relu_1/Relu` and its
// output the tensor `/layer1/layer1.0/relu_1/Relu_output_0`. A forward-hook dump of the same model
// names that map `layer1.0.relu_1`. The page names a live feature map by that module path (unique
// within the model), keeps the full tensor name for hover and exports, and the command matches
// layers by either name, so that a page export and a hook dump of the same model line up.

/**
 * The module path in a node or tensor name written by PyTorch's exporter, or null when there is
 * none: `/layer1/layer1.0/relu_1/Relu` or `/layer1/layer1.0/relu_1/Relu_output_0` ->
 * `layer1.0.relu_1`. The last segment is the operator, the ones before it the scopes; a scope
 * that extends the one before it (`layer1.0` after `layer1`, `downsample.0` after `downsample`)
 * replaces it, others are appended: `/layer2/layer2.0/downsample/downsample.0/Conv` ->
 * `layer2.0.downsample.0`. A name with no scope (`/Relu_1`, `conv1`, `input.4`) has none.
 */
export function modulePath(name: string): string | null {
  const parts = scopeParts(name);
  return parts && parts.length ? parts.join('.') : null;
}

/** The module path's parts (`['layer2.0', 'downsample.0']`), or null when the name has no scope. */
function scopeParts(name: string): string[] | null {
  if (!name.startsWith('/')) return null;
  const segments = name.replace(/_output_\d+$/, '').split('/').filter((s) => s.length > 0);
  if (segments.length < 2) return null;
  const parts: string[] = [];
  for (const scope of segments.slice(0, -1)) {
    const last = parts[parts.length - 1];
    if (last !== undefined && scope.startsWith(`${last}.`)) parts[parts.length - 1] = scope;
    else parts.push(scope);
  }
  return parts;
}

/** The operator segment of a scoped node name (`/layer1/layer1.0/Add` -> `Add`), or the name itself. */
function opSegment(name: string): string {
  const segments = name.replace(/_output_\d+$/, '').split('/').filter((s) => s.length > 0);
  return segments[segments.length - 1] ?? name;
}

const within = (inner: string[], outer: string[]) => inner.length >= outer.length && outer.every((p, i) => inner[i] === p);

/**
 * A short name per tensor (given in network order), unique within the model. A tensor that is its
 * module's output (no later tensor comes from that module or a module inside it) is named by the
 * module path, as a forward hook on that module would name it: `layer1.0.relu_1`, `fc`. One made
 * inside a module's own forward but not its output (the residual Add of a ResNet block, before
 * the block's last ReLU) gets its operator after the path: `layer1.0:Add`. Where that is still
 * shared, or equals another tensor's name, or the exporter wrote no path (`/Relu_1_output_0`,
 * `conv1_out`), the tensor name is kept.
 */
export function shortNames(tensors: ReadonlyArray<{ tensor: string; node?: string }>): Map<string, string> {
  const scoped = tensors.map((t) => (t.node ? scopeParts(t.node) : null) ?? scopeParts(t.tensor));
  const proposed = tensors.map((t, i) => {
    const parts = scoped[i];
    if (!parts) return null;
    const path = parts.join('.');
    const isOutput = !scoped.slice(i + 1).some((later) => later !== null && within(later, parts));
    return isOutput ? path : `${path}:${opSegment(t.node && t.node.startsWith('/') ? t.node : t.tensor)}`;
  });
  const counts = new Map<string, number>();
  for (const n of proposed) if (n !== null) counts.set(n, (counts.get(n) ?? 0) + 1);
  const fullNames = new Set(tensors.map((t) => t.tensor));
  const names = new Map<string, string>();
  tensors.forEach((t, i) => {
    const s = proposed[i];
    names.set(t.tensor, s !== null && counts.get(s) === 1 && (!fullNames.has(s) || s === t.tensor) ? s : t.tensor);
  });
  return names;
}

/**
 * The names a layer answers to when A and B are matched: its own, its tensor's, their module
 * paths, and a hook dump's name without its execution-order number (`007 layer1.0.relu_1`, as
 * tools/export_torchvision.py --dump writes them).
 */
export function matchNames(layer: { name: string; tensor?: string }): string[] {
  const numbered = /^\d+ (\S+)$/.exec(layer.name)?.[1] ?? null;
  const names = [layer.name, layer.tensor, modulePath(layer.name), layer.tensor ? modulePath(layer.tensor) : null, numbered];
  return [...new Set(names.filter((n): n is string => !!n))];
}
