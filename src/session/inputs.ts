// A side's inputs (one image, a set, or tensors), who put them there, and how B is made from A:
// the recipe B records, applied again when A changes, or the reason B no longer stands. Plain
// functions on images and input files; the live model store (modelStore.ts) keeps the state.

import { openActivationFile } from '../io/open';
import { addNoise, blank, blur, occlude, occludeWith, rectOn, type OcclusionFill, type Preprocessing, type Rect, type RgbaImage } from '../model/preprocess';

/** Who put a model or an input there: the user, or the demo (a default that the user's content replaces). */
export type Origin = 'user' | 'demo';

export type BChange = 'occlude' | 'blur' | 'noise' | 'blank';

/** How B was made from A: the change, its parameters, and which input of A it was made from. */
export interface BRecipe {
  kind: BChange;
  /**
   * The occluded rectangle, in the pixels of the A image it was drawn on (of size `on`); on the
   * other images of a set it covers the same share of the image (relative coordinates).
   */
  rect: Rect | null;
  on: { width: number; height: number } | null;
  /** Blur sigma (pixels) or noise sigma (grey levels). */
  sigma: number | null;
  /** The fill value of an occlusion or a blank. */
  value: number;
  /**
   * What fills an occluded rectangle (the lab's fills): black (`zero`, the same as value 0), the
   * image's mean colour, a blurred or a noisy copy. Absent: `value` grey.
   */
  fill?: OcclusionFill;
  /** A's input it was made from: its name and id. */
  from: string;
  fromId: number;
}

export const CHANGE_WORDS: Record<BChange, string> = { occlude: 'occluded', blur: 'blurred', noise: 'with noise', blank: 'blank' };

/** One input of a side's set: an image, or a tensor of the model's input shape [1, C, H, W]. */
export interface InputItem {
  /** Its file (a .npy batch's inputs: "batch.npy[3]"). */
  name: string;
  image: RgbaImage | null;
  tensor: Float32Array | null;
}

export interface SideInput {
  /** Unique per input set on the page (a B made from A records A's). */
  id: number;
  /** The set's name: its file, or "first.png and 9 more", or a folder's. */
  name: string;
  /** The inputs, in order (one for a single image); `image` and `tensor` are the first's. */
  items: InputItem[];
  origin: Origin;
  /** For a B made from A: how. */
  recipe: BRecipe | null;
  /**
   * Why this input no longer stands (a B whose A changed and could not be re-made): it is shown,
   * marked, and left out of the views and the comparison until the user acts.
   */
  stale: string | null;
  /** The image as decoded (shown at the top of the pane), or null for a tensor input. */
  image: RgbaImage | null;
  /** A tensor given directly (.npy of the model's input shape). */
  tensor: Float32Array | null;
}

/** Why a B made by `recipe` no longer stands: A is now `now` (null: A's input was removed). */
export function staleReason(recipe: BRecipe, now: string | null): string {
  const was = `made from ${recipe.from} (${CHANGE_WORDS[recipe.kind]})`;
  return now === null ? `${was}; A's input was removed: make B again` : `${was}; A is now ${now}${recipe.kind === 'occlude' ? ', and the rectangle belonged to the old image' : ''}: make B again`;
}

/**
 * B's input made from A's by a recipe (every image of A's set changed alike: an occlusion covers
 * the same share of each image, noise is seeded per input), or null when the recipe cannot apply
 * (a tensor input, or an occlusion whose rectangle was drawn on another A). Its id is 0: the store
 * gives it one.
 */
export function deriveB(recipe: BRecipe, a: SideInput): SideInput | null {
  if (!a.items.length || a.items.some((item) => !item.image)) return null;
  if (recipe.kind === 'occlude' && (!recipe.rect || recipe.fromId !== a.id)) return null;
  const word = CHANGE_WORDS[recipe.kind];
  const change = (base: RgbaImage, i: number): RgbaImage => {
    if (recipe.kind === 'occlude') {
      const rect = rectOn(recipe.rect!, recipe.on ?? base, base);
      return recipe.fill && recipe.fill !== 'zero' ? occludeWith(base, rect, recipe.fill) : occlude(base, rect, recipe.value);
    }
    if (recipe.kind === 'blur') return blur(base, recipe.sigma ?? 1.5);
    if (recipe.kind === 'noise') return addNoise(base, recipe.sigma ?? 40, 7 + i);
    return blank(base, recipe.value);
  };
  const items = a.items.map((item, i) => ({ name: `${item.name} (${word})`, image: change(item.image!, i), tensor: null }));
  return { id: 0, name: `${a.name} (${word})`, items, image: items[0].image, tensor: null, origin: a.origin, recipe: { ...recipe, from: a.name, fromId: a.id }, stale: null };
}

/**
 * A .npy (or other one-tensor file) as model input: one input [1, C, H, W] or a batch [N, C, H, W]
 * of the model's input shape (`p`), or why not (with the file's shape when it has one tensor).
 */
export async function readInputTensor(file: { name: string; blob: Blob }, p: Preprocessing | null): Promise<{ tensor: Float32Array; shape: number[] } | { error: string; shape: number[] | null }> {
  const { layers, errors } = await openActivationFile(file.blob, file.name, 'nchw');
  if (errors.length || layers.length !== 1) return { error: errors[0]?.message ?? `${file.name}: not one tensor`, shape: null };
  const layer = layers[0];
  const want = p ? [p.channels, p.height, p.width] : null;
  if (!want) return { error: `${file.name}: no model is loaded to take it as input`, shape: layer.shape };
  if (layer.shape.slice(1).join('x') !== want.join('x')) return { error: `${file.name}: shape ${layer.shape.join('x')} is not the model's input shape ${[layer.shape[0], ...want].join('x')}`, shape: layer.shape };
  return { tensor: await layer.readMaps(0, layer.shape[0] * layer.shape[1]), shape: layer.shape };
}
