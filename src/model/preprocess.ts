// Images into model input tensors, and the variants "Make B from A" makes: plain functions on RGBA
// pixels (decoded by the browser), so that every step is visible, editable and testable in Node.

import { gaussian, seededRandom } from '../numeric/random';

export interface RgbaImage {
  width: number;
  height: number;
  /** width x height x 4 bytes, row-major RGBA. */
  data: Uint8ClampedArray;
}

export interface Preprocessing {
  height: number;
  width: number;
  /** 1: greyscale (ITU-R 601 luma), 3: RGB. */
  channels: 1 | 3;
  /** Divide by 255 first. */
  scaleTo01: boolean;
  mean: number[];
  std: number[];
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Defaults for an NCHW input of these dims (null where dynamic): ImageNet normalisation for 3 channels. */
export function defaultPreprocessing(dims: Array<number | string | null>, fallbackSize = 224): Preprocessing {
  const num = (d: number | string | null | undefined) => (typeof d === 'number' && d > 0 ? d : null);
  const channels = num(dims[1]) === 1 ? 1 : 3;
  return {
    height: num(dims[2]) ?? fallbackSize,
    width: num(dims[3]) ?? fallbackSize,
    channels,
    scaleTo01: true,
    mean: channels === 3 ? [...IMAGENET_MEAN] : [0],
    std: channels === 3 ? [...IMAGENET_STD] : [1],
  };
}

/**
 * Bilinear resampling with pixel centres at half-integers (PIL's and torch's align_corners=False),
 * no antialiasing; an image already at the size comes back untouched.
 */
export function resizeBilinear(image: RgbaImage, width: number, height: number): RgbaImage {
  if (image.width === width && image.height === height) return image;
  const out = new Uint8ClampedArray(width * height * 4);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), image.height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, image.height - 1), wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), image.width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, image.width - 1), wx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const a = image.data[(y0 * image.width + x0) * 4 + c], b = image.data[(y0 * image.width + x1) * 4 + c];
        const d = image.data[(y1 * image.width + x0) * 4 + c], e = image.data[(y1 * image.width + x1) * 4 + c];
        out[(y * width + x) * 4 + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return { width, height, data: out };
}

/**
 * Why a mean or std list cannot be used for `channels` channels, or null when it can: one value
 * (for every channel) or one per channel, every one a finite number, and a std above 0.
 */
export function normalisationProblem(kind: 'mean' | 'std', values: number[], channels: number): string | null {
  if (values.length !== 1 && values.length !== channels) {
    return `${kind} needs one value, or one per channel (${channels}); got ${values.length}`;
  }
  if (!values.every(Number.isFinite)) return `${kind} needs numbers`;
  if (kind === 'std' && !values.every((v) => v > 0)) return 'std needs values above 0 (the input is divided by it)';
  return null;
}

/** The input tensor [1, C, H, W] (NCHW) of an image under these settings (a single mean or std applies to every channel). */
export function imageTensor(image: RgbaImage, p: Preprocessing): Float32Array {
  const sized = resizeBilinear(image, p.width, p.height);
  const size = p.width * p.height;
  const out = new Float32Array(p.channels * size);
  const scale = p.scaleTo01 ? 1 / 255 : 1;
  const mean = (c: number) => (p.mean.length === 1 ? p.mean[0] : (p.mean[c] ?? 0));
  const std = (c: number) => (p.std.length === 1 ? p.std[0] : (p.std[c] ?? 1));
  for (let i = 0; i < size; i++) {
    const r = sized.data[i * 4], g = sized.data[i * 4 + 1], b = sized.data[i * 4 + 2];
    if (p.channels === 1) {
      const grey = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
      out[i] = (grey * scale - mean(0)) / std(0);
    } else {
      out[i] = (r * scale - mean(0)) / std(0);
      out[size + i] = (g * scale - mean(1)) / std(1);
      out[2 * size + i] = (b * scale - mean(2)) / std(2);
    }
  }
  return out;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Why a rectangle cannot be occluded on an image of this size (none, empty, not finite, or wholly
 * outside it), or null when it can. A rectangle partly outside is clipped by `occlude`.
 */
export function rectProblem(rect: Rect | null, image: { width: number; height: number }): string | null {
  if (!rect) return "no rectangle: drag on A's image to draw one, or type its x, y, width and height";
  const values = [rect.x, rect.y, rect.width, rect.height];
  if (!values.every(Number.isFinite)) return 'the rectangle needs four numbers (x, y, width, height)';
  if (rect.width < 1 || rect.height < 1) return `the rectangle on A's image is empty (${Math.round(rect.width)} x ${Math.round(rect.height)} pixels); drag on the image to draw one, or type a width and height of at least 1`;
  if (rect.x >= image.width || rect.y >= image.height || rect.x + rect.width <= 0 || rect.y + rect.height <= 0) {
    return `the rectangle (${rect.x}, ${rect.y}, ${rect.width} x ${rect.height}) lies outside A's image (${image.width} x ${image.height} pixels)`;
  }
  return null;
}

/** The pixels of `image` inside `rect` (clipped to the image), row-major: `visit(i)` with each RGBA offset. */
function eachPixelIn(image: { width: number; height: number }, rect: Rect, visit: (i: number) => void): void {
  const x0 = Math.max(0, Math.floor(rect.x)), y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(image.width, Math.ceil(rect.x + rect.width)), y1 = Math.min(image.height, Math.ceil(rect.y + rect.height));
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) visit((y * image.width + x) * 4);
}

/** A copy with the rectangle filled with one grey value (0: black). */
export function occlude(image: RgbaImage, rect: Rect, value = 0): RgbaImage {
  const data = new Uint8ClampedArray(image.data);
  eachPixelIn(image, rect, (i) => {
    data[i] = data[i + 1] = data[i + 2] = value;
  });
  return { ...image, data };
}

/** Gaussian blur (separable, edges clamped) with standard deviation sigma in pixels. */
export function blur(image: RgbaImage, sigma: number): RgbaImage {
  if (!(sigma > 0)) return { ...image, data: new Uint8ClampedArray(image.data) };
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-0.5 * ((k - radius) / sigma) ** 2));
  const total = kernel.reduce((a, b) => a + b, 0);
  const { width, height } = image;
  const pass = (src: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = horizontal ? Math.min(width - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(height - 1, Math.max(0, y + k));
            acc += kernel[k + radius] * src[(yy * width + xx) * 4 + c];
          }
          out[(y * width + x) * 4 + c] = acc / total;
        }
        out[(y * width + x) * 4 + 3] = src[(y * width + x) * 4 + 3];
      }
    }
    return out;
  };
  const result = pass(pass(Float64Array.from(image.data), true), false);
  return { width, height, data: Uint8ClampedArray.from(result, (v) => Math.round(v)) };
}

/** Gaussian noise of standard deviation sigma (grey levels), the same on every channel, seeded. */
export function addNoise(image: RgbaImage, sigma: number, seed = 1): RgbaImage {
  const random = seededRandom(seed);
  const data = new Uint8ClampedArray(image.data);
  for (let i = 0; i < image.width * image.height; i++) {
    const n = sigma * gaussian(random);
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(image.data[i * 4 + c] + n);
  }
  return { ...image, data };
}

/** The same size, every pixel one grey value. */
export function blank(image: RgbaImage, value = 0): RgbaImage {
  return occlude(image, { x: 0, y: 0, width: image.width, height: image.height }, value);
}

/** What fills an occluding patch in the lab: the image's mean colour, black, a blurred or a noisy copy. */
export type OcclusionFill = 'mean' | 'zero' | 'blur' | 'noise';

/** The image a patch of `fill` is copied from (as large as `image`). */
export function occlusionFill(image: RgbaImage, fill: OcclusionFill): RgbaImage {
  if (fill === 'blur') return blur(image, 3);
  if (fill === 'noise') return addNoise(image, 60, 11);
  const data = new Uint8ClampedArray(image.data.length);
  const mean = [0, 0, 0];
  if (fill === 'mean') for (let i = 0; i < image.width * image.height; i++) for (let c = 0; c < 3; c++) mean[c] += image.data[i * 4 + c] / (image.width * image.height);
  for (let i = 0; i < image.width * image.height; i++) data.set([Math.round(mean[0]), Math.round(mean[1]), Math.round(mean[2]), 255], i * 4);
  return { width: image.width, height: image.height, data };
}

/** A copy of `image` whose `patch` x `patch` square at `pos` comes from `source` (its colour channels). */
export function patchFrom(image: RgbaImage, pos: { x: number; y: number }, patch: number, source: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(image.data);
  for (let y = pos.y; y < Math.min(image.height, pos.y + patch); y++) {
    for (let x = pos.x; x < Math.min(image.width, pos.x + patch); x++) {
      const i = (y * image.width + x) * 4;
      data[i] = source.data[i];
      data[i + 1] = source.data[i + 1];
      data[i + 2] = source.data[i + 2];
    }
  }
  return { ...image, data };
}

/**
 * A rectangle drawn on an image of size `from`, carried to an image of size `to` at the same share
 * of its width and height (relative coordinates); unchanged when the sizes are the same.
 */
export function rectOn(rect: Rect, from: { width: number; height: number }, to: { width: number; height: number }): Rect {
  if (from.width === to.width && from.height === to.height) return rect;
  const sx = to.width / from.width, sy = to.height / from.height;
  return { x: rect.x * sx, y: rect.y * sy, width: rect.width * sx, height: rect.height * sy };
}

/**
 * A copy with the rectangle filled the way the lab fills its patches: black (`zero`), the image's
 * mean colour, a blurred or a noisy copy of the image (occlusionFill).
 */
export function occludeWith(image: RgbaImage, rect: Rect, fill: OcclusionFill): RgbaImage {
  const source = occlusionFill(image, fill);
  const data = new Uint8ClampedArray(image.data);
  eachPixelIn(image, rect, (i) => {
    data[i] = source.data[i];
    data[i + 1] = source.data[i + 1];
    data[i + 2] = source.data[i + 2];
  });
  return { ...image, data };
}
