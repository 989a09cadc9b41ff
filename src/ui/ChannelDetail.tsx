// One channel in detail, for A and for B: the feature map as a heatmap, its centred log power
// spectrum with the SROP drawn as the ellipse of that radius (each axis scaled by its length, as the
// rings are), and its cumulative ring-energy curve with the SROP marked. The map is re-read from its
// file (one slice); its spectrum comes from the engine in use (the GPU's FFT on the GPU engine).
import { useEffect, useRef, useState } from 'react';
import { color as parseColour, interpolateViridis, interpolateGreys } from 'd3';
import { centredLogPower, mapCurve, sropEllipse, sropMark, type CentredSpectrum, type LayerRow } from '../analysis/charts';
import { STATUS_NAMES } from '../analysis/srop';
import type { LayerResult } from '../analysis/layerResult';
import { EnergyCurve } from './charts/EnergyCurve';
import { SIDE_STYLE, formatNumber } from './charts/theme';
import type { Layer } from '../io/types';
import type { SideName } from './workspace';

const PIXELS = 180;

function paint(canvas: HTMLCanvasElement | null, values: ArrayLike<number>, height: number, width: number, lo: number, hi: number, colour: (t: number) => string): void {
  if (!canvas) return;
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return;
  const image = context.createImageData(width, height);
  const span = hi > lo ? hi - lo : 1;
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < height * width; i++) {
    const v = values[i];
    const t = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / span)) : 0;
    const key = Math.round(t * 255);
    let rgb = cache.get(key);
    if (!rgb) {
      const c = parseColour(colour(key / 255))!.rgb();
      rgb = [c.r, c.g, c.b];
      cache.set(key, rgb);
    }
    image.data.set([rgb[0], rgb[1], rgb[2], Number.isFinite(v) ? 255 : 0], i * 4);
  }
  context.putImageData(image, 0, 0);
}

function SideChannel({ side, result, source, input, channel, kappa, spectrumOf }: { side: SideName; result: LayerResult; source: Layer | null; input: number | null; channel: number; kappa: number; spectrumOf: SpectrumOf }) {
  const [n, c, h, w] = result.shape;
  const item = input === null ? 0 : Math.min(input, n - 1);
  const map = item * c + channel;
  const mapCanvas = useRef<HTMLCanvasElement>(null);
  const spectrumCanvas = useRef<HTMLCanvasElement>(null);
  const [spectrum, setSpectrum] = useState<(CentredSpectrum & { backend: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    if (!source) {
      setError('the map is no longer available (its file was removed)');
      return;
    }
    source
      .readMaps(map, 1)
      .then(async (values) => {
        if (!live) return;
        let lo = Infinity, hi = -Infinity;
        for (const v of values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
        paint(mapCanvas.current, values, h, w, lo, hi, interpolateGreys);
        const { power, backend } = await spectrumOf(values, h, w);
        if (!live) return;
        const s = centredLogPower(power, h, w);
        paint(spectrumCanvas.current, s.logPower, h, w, Math.max(s.min, s.max - 12), s.max, interpolateViridis);
        setSpectrum({ ...s, backend });
      })
      .catch((e: Error) => live && setError(`${result.file}: ${result.name}: ${e.message}`));
    return () => {
      live = false;
    };
  }, [source, spectrumOf, map, h, w, result.file, result.name]);
  const status = STATUS_NAMES[result.status[map]];
  const srop = result.status[map] === 0 ? result.srop[map] : null;
  const curve = mapCurve(result, map);
  const mark = curve && sropMark(result, map, curve);
  const scale = PIXELS / Math.max(h, w);
  const ellipse = srop !== null ? sropEllipse(srop, h, w) : null;
  return (
    <div className="side-channel" data-testid={`channel-${side}`}>
      <h3 style={{ color: SIDE_STYLE[side].colour }}>
        {side}: input {item}, channel {channel}: SROP {formatNumber(srop)} {status !== 'ok' && <span className="tag warn">{status}</span>}
      </h3>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="chart-row">
        <figure className="chart">
          <figcaption>Feature map ({h} x {w})</figcaption>
          <canvas ref={mapCanvas} role="img" aria-label={`${side} feature map, channel ${channel}, ${h} by ${w}, grey scale from its minimum to its maximum`} style={{ width: w * scale, height: h * scale, imageRendering: 'pixelated' }} />
        </figure>
        <figure className="chart">
          <figcaption>Centred log power spectrum, SROP ellipse{spectrum ? ` (${spectrum.backend === 'gpu' ? 'GPU' : 'CPU'} FFT)` : ''}</figcaption>
          <div style={{ position: 'relative', width: w * scale, height: h * scale }}>
            <canvas ref={spectrumCanvas} role="img" aria-label={`${side} centred log power spectrum of channel ${channel}, the SROP drawn as an ellipse`} style={{ width: w * scale, height: h * scale, imageRendering: 'pixelated' }} />
            {ellipse && spectrum && (
              <svg width={w * scale} height={h * scale} style={{ position: 'absolute', left: 0, top: 0 }} aria-hidden="true">
                <ellipse cx={(Math.floor(w / 2) + 0.5) * scale} cy={(Math.floor(h / 2) + 0.5) * scale} rx={ellipse.rx * scale} ry={ellipse.ry * scale} fill="none" stroke="#fff" strokeWidth={2} />
                <ellipse cx={(Math.floor(w / 2) + 0.5) * scale} cy={(Math.floor(h / 2) + 0.5) * scale} rx={ellipse.rx * scale} ry={ellipse.ry * scale} fill="none" stroke={SIDE_STYLE[side].colour} strokeWidth={1} strokeDasharray="4 2" />
              </svg>
            )}
          </div>
        </figure>
        {curve && (
          <EnergyCurve
            title={`Cumulative ring energy, ${side}, channel ${channel}`}
            filename={`srop-energy-${result.name}-${side}-c${channel}`}
            curves={[{ side, band: curve, mark }]}
            kappa={kappa}
          />
        )}
      </div>
    </div>
  );
}

/** One map's power spectrum from the engine in use, and which engine computed it. */
export type SpectrumOf = (map: Float32Array, height: number, width: number) => Promise<{ power: Float64Array; backend: string }>;

export function ChannelDetail({ row, channel, inputs, kappa, sourceOf, spectrumOf }: {
  row: LayerRow;
  channel: number;
  inputs: { A: number | null; B: number | null };
  kappa: number;
  sourceOf: (result: LayerResult) => Layer | null;
  spectrumOf: SpectrumOf;
}) {
  return (
    <section className="panel" aria-labelledby="channel-heading" data-testid="channel-detail">
      <h2 id="channel-heading">Channel {channel} of {row.name}</h2>
      {row.a && channel < row.a.result.shape[1] && <SideChannel side="A" result={row.a.result} source={sourceOf(row.a.result)} spectrumOf={spectrumOf} input={inputs.A} channel={channel} kappa={kappa} />}
      {row.b && channel < row.b.result.shape[1] && <SideChannel side="B" result={row.b.result} source={sourceOf(row.b.result)} spectrumOf={spectrumOf} input={inputs.B} channel={channel} kappa={kappa} />}
    </section>
  );
}
