// The WGSL sources of the GPU stages, as the pipelines compile them: shaders/common.wgsl (the
// workgroup size, complex product and indexing helpers) in front of each shader, since WGSL has no
// includes. Loaded with Vite's `?raw` imports, which the page, the command's build (vite.cli.config.ts)
// and the Vitest tests all resolve alike.

import common from '../../../shaders/common.wgsl?raw';
import moments from '../../../shaders/moments.wgsl?raw';
import pack from '../../../shaders/pack.wgsl?raw';
import fftPass from '../../../shaders/fftPass.wgsl?raw';
import bluestein from '../../../shaders/bluestein.wgsl?raw';
import rings from '../../../shaders/rings.wgsl?raw';

/** One shader: its file name (the pipelines' cache key and label) and its code, common.wgsl first. */
export interface ShaderSource {
  label: string;
  code: string;
}

const withCommon = (label: string, code: string): ShaderSource => ({ label, code: `${common}\n${code}` });

export const SHADERS = {
  moments: withCommon('moments.wgsl', moments),
  pack: withCommon('pack.wgsl', pack),
  fftPass: withCommon('fftPass.wgsl', fftPass),
  bluestein: withCommon('bluestein.wgsl', bluestein),
  rings: withCommon('rings.wgsl', rings),
} satisfies Record<string, ShaderSource>;
