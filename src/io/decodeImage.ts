// Images decoded by the browser into RGBA pixels (no colour management, no premultiplication, so
// that a PNG's values reach the model as they are in the file).
import type { RgbaImage } from '../model/preprocess';

export const IMAGE_FILE = /\.(png|jpe?g|webp|bmp|gif)$/i;

export async function decodeImage(blob: Blob, name: string): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${name}: the image could not be decoded (not a PNG, JPEG, WebP or BMP image, or damaged)`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error(`${name}: no 2-D canvas to decode the image with`);
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
  bitmap.close();
  return { width: pixels.width, height: pixels.height, data: pixels.data };
}
