// Images for the `srop run` command: the image files named on the command line (directories
// walked), in one sorted list, and PNG / JPEG decoding in Node with pure-JavaScript decoders
// (pngjs, jpeg-js) into the same RGBA pixels the page's decoder gives (no colour management, alpha
// not applied).

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { RgbaImage } from '../model/preprocess';

/** The image files `srop run` reads (by name). */
export const RUN_IMAGE_FILE = /\.(png|jpe?g)$/i;

/** Code-unit order of the paths as written (the same on every machine, whatever its locale). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every image file among `paths`: a file as given, a directory walked (sub-directories included)
 * for .png/.jpg/.jpeg files; the whole list sorted by path (code-unit order) and without repeats.
 * A path that does not exist, or a named file that is not a PNG or JPEG, is an error line.
 */
export async function listImages(paths: readonly string[]): Promise<{ images: string[]; errors: string[] }> {
  const found = new Set<string>();
  const errors: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (RUN_IMAGE_FILE.test(entry.name)) found.add(path);
    }
  };
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      errors.push(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    if (info.isDirectory()) {
      try {
        await walk(path);
      } catch (error) {
        errors.push(`${path}: cannot list the directory (${(error as Error).message})`);
      }
    } else if (RUN_IMAGE_FILE.test(path)) found.add(path);
    else errors.push(`${path}: not a PNG or JPEG file (by its name: .png, .jpg or .jpeg)`);
  }
  return { images: [...found].sort(compareCodeUnits), errors };
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** Decodes a PNG or JPEG (told apart by their first bytes) into RGBA; throws with the reason. */
export function decodeImageBytes(bytes: Uint8Array): RgbaImage {
  const starts = (magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(PNG_MAGIC)) {
    let png;
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (error) {
      throw new Error(`the PNG could not be decoded (${(error as Error).message})`);
    }
    return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }
  if (starts(JPEG_MAGIC)) {
    let image;
    try {
      image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    } catch (error) {
      throw new Error(`the JPEG could not be decoded (${(error as Error).message})`);
    }
    return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength) };
  }
  throw new Error(bytes.length === 0 ? 'the file is empty' : 'not a PNG or JPEG image (its first bytes are neither)');
}

/** Reads and decodes one image; the error names the file. */
export async function readImage(path: string): Promise<RgbaImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const image = decodeImageBytes(bytes);
    if (image.width < 1 || image.height < 1) throw new Error('the image has no pixels');
    return image;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
