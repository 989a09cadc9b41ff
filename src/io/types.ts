// The reader contract shared by the browser and Node: an activation file opens as a list of layers,
// each decoded lazily, by slices, into float32 maps in [N, C, H, W] order.

export type Layout = 'nchw' | 'nhwc';
export type LayoutChoice = Layout | 'auto';

/** One layer of one activation file: its metadata, and a way to read its maps on demand. */
export interface Layer {
  /** Layer name: the npz member or safetensors tensor name, or the .npy file's base name. */
  name: string;
  /** The full tensor name, where `name` is a shorter one (a live feature map named by its module path). */
  tensor?: string;
  /** The file it came from (its name, as the user gave it). */
  file: string;
  /** Shape normalised to [N, C, H, W]. */
  shape: [number, number, number, number];
  /** Shape as stored in the file. */
  storedShape: number[];
  /** Stored element type, in the file's own words (for example "<f4" or "BF16"). */
  dtype: string;
  /** Layout used to read the array. */
  layout: Layout;
  /** Why that layout: "given" when the user chose it, else the guess and its reason. */
  layoutReason: string;
  /** Each input's name on the batch axis (an image set's files), where known; index = input. */
  inputNames?: readonly string[];
  /**
   * Set when the layout was guessed and the shape alone could not tell (its last three axes are
   * equal): what was seen, "axes 1, 2, 3 are all 16" (LayoutGuess.undecided).
   */
  layoutUndecided?: string;
  /**
   * Maps [first, first + count) in N-major, C-minor order (map index = n * C + c), each H * W
   * float32 values in row-major order. Reads only what it needs from the file where the format
   * allows random access. The array is the caller's: it may keep it, or transfer its buffer to a
   * worker (the layer keeps nothing that shares that buffer).
   */
  readMaps(first: number, count: number): Promise<Float32Array>;
  /**
   * Where maps [first, first + count) lie as they are, when they are one run of little-endian
   * float32 bytes of a browser Blob (a .npy, a stored .npz member or a safetensors tensor in NCHW
   * order): another thread can then read them itself (the page's CPU engine workers do). Null
   * when the maps need decoding, reordering or inflating: readMaps gives them.
   */
  mapBytes?(first: number, count: number): MapBytes | null;
}

/** A run of bytes of a Blob that holds maps as float32 values, as they are. */
export interface MapBytes {
  blob: Blob;
  start: number;
  end: number;
}

/** An error in an input file, worded for a researcher: "file: member: reason". */
export class ActivationFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly part?: string,
  ) {
    super(part ? `${file}: ${part}: ${reason}` : `${file}: ${reason}`);
    this.name = 'ActivationFileError';
  }
}

/**
 * What went wrong with one layer, on one line: "<file>: <member or layer>: <reason>", the file and
 * the member named once however the error was worded (the command and the page both report so).
 * A reader's error names its own part ("member cut.npy"); any other error is put under the layer.
 */
export function layerErrorMessage(layer: Pick<Layer, 'file' | 'name'>, error: unknown): string {
  let reason: string;
  if (error instanceof ActivationFileError) {
    reason = `${error.part ?? layer.name}: ${error.reason}`;
  } else {
    reason = error instanceof Error ? error.message : String(error);
    if (reason.startsWith(`${layer.file}: `)) reason = reason.slice(layer.file.length + 2);
    if (!reason.startsWith(`${layer.name}: `)) reason = `${layer.name}: ${reason}`;
  }
  return `${layer.file}: ${reason.replace(/\s*\n\s*/g, ' ')}`;
}

/** What is known of a layer without its file: its facts. */
export type LayerFacts = Pick<Layer, 'name' | 'tensor' | 'file' | 'shape' | 'storedShape' | 'dtype' | 'layout' | 'layoutReason' | 'inputNames'>;

/**
 * A layer from its facts alone (a results file's layer, a saved session's) and a way to read its
 * maps; `mapsRefused(why)` is the way for a layer whose maps are not there.
 */
export function layerFromFacts(facts: LayerFacts, readMaps: Layer['readMaps']): Layer {
  return { ...layerFacts(facts), readMaps };
}

/**
 * A copy of a layer's facts (its arrays copied too): what a saved session keeps of a layer, and
 * what makes one again. A tensor name that is the layer's own name says nothing and is left out.
 */
export function layerFacts(layer: LayerFacts): LayerFacts & { inputNames?: string[] } {
  return {
    name: layer.name,
    ...(layer.tensor && layer.tensor !== layer.name ? { tensor: layer.tensor } : {}),
    file: layer.file,
    shape: [...layer.shape] as Layer['shape'],
    storedShape: [...layer.storedShape],
    dtype: layer.dtype,
    layout: layer.layout,
    layoutReason: layer.layoutReason,
    ...(layer.inputNames ? { inputNames: [...layer.inputNames] } : {}),
  };
}

export const mapsRefused = (why: string): Layer['readMaps'] => () => Promise.reject(new Error(why));
