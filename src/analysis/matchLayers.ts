// The one rule by which A's layers meet B's, in the page (layerRows) and the command
// (srop compare, srop run --b).

import { matchNames } from '../model/layerNames';

export interface Matchable {
  name: string;
  /** The full tensor name, where the layer has a shorter one (a live map's module path). */
  tensor?: string;
}

/**
 * For each of A's layers, the index of B's layer it is compared with (undefined: only in A). First
 * the same name and occurrence (the k-th layer of a name in A meets the k-th of that name in B);
 * then a layer whose name occurs once meets B's once-named layer answering to one of its names (a
 * tensor name's module path, a hook dump's name: layerNames.ts matchNames). Each of B's layers
 * meets at most one of A's.
 */
export function matchLayers(a: readonly Matchable[], b: readonly Matchable[]): Array<number | undefined> {
  const occurrences = (layers: readonly Matchable[]) => {
    const seen = new Map<string, number>();
    return layers.map((l) => {
      const k = seen.get(l.name) ?? 0;
      seen.set(l.name, k + 1);
      return k;
    });
  };
  const occA = occurrences(a), occB = occurrences(b);
  const key = (name: string, occurrence: number) => `${occurrence}\u0000${name}`;
  const byKey = new Map(b.map((l, j) => [key(l.name, occB[j]), j]));
  const pairs: Array<number | undefined> = a.map((l, i) => byKey.get(key(l.name, occA[i])));
  const used = new Set(pairs.filter((j): j is number => j !== undefined));
  if (used.size === Math.min(a.length, b.length)) return pairs;
  const byAlias = new Map<string, number>();
  b.forEach((l, j) => {
    if (used.has(j) || occB[j] > 0) return;
    for (const alias of matchNames(l)) if (!byAlias.has(alias)) byAlias.set(alias, j);
  });
  a.forEach((l, i) => {
    if (pairs[i] !== undefined || occA[i] > 0) return;
    const j = matchNames(l).map((alias) => byAlias.get(alias)).find((x) => x !== undefined && !used.has(x));
    if (j !== undefined) {
      pairs[i] = j;
      used.add(j);
    }
  });
  return pairs;
}
