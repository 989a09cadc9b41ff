// One channel in detail, for A and for B: the feature map as a heatmap, its centred log power
// spectrum with the SROP drawn as the ellipse of that radius (each axis scaled by its length, as the
// rings are), and its cumulative ring-energy curve with the SROP marked. The map is re-read from its
// file (one slice); its spectrum comes from the engine in use (the GPU's FFT on the GPU engine).
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { color as parseColour, interpolateViridis, interpolateGreys, scaleLinear } from 'd3';
import { SINGLE_PIXEL_NOTE, type LayerRow } from '../analysis/layerRows';
import { centredLogPower, mapCurve, sropEllipse, sropMark } from '../analysis/layerDetail';
import { STATUS_NAMES, type SropParams } from '../analysis/srop';
import type { LayerResult } from '../analysis/layerResult';
import { EnergyCurve } from './charts/EnergyCurve';
import { AXIS, SIDE_STYLE, formatNumber } from './charts/theme';
import { ChartFrame } from './charts/ChartFrame';
import { RASTER_BOUNDS, rasterSide } from './charts/chartSize';
import { useElementWidth } from './charts/useWidth';
import { useSession, useStore } from './useSession';
import type { SideName } from '../session/workspace';

// left: the tick labels (up to four characters) and the rotated y-axis title beside them.
const M = { top: 8, right: 10, bottom: 34, left: 50 };
/** Room right of the raster for its colour scale: the bar, its tick values and its title. */
const SCALE_ROOM = 78;

/** A raster's colour scale: the values at its ends, the colour map, and what the values are. */
interface ColourScale {
  lo: number;
  hi: number;
  colour: (t: number) => string;
  label: string;
}

/** Values as an image (a PNG data URL, one pixel per value), scaled from lo to hi through `colour`. */
function raster(values: ArrayLike<number>, height: number, width: number, lo: number, hi: number, colour: (t: number) => string): string {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return '';
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
  return canvas.toDataURL('image/png');
}

/**
 * A raster (feature map or spectrum) in a ChartFrame, so it exports as SVG and PNG like every chart:
 * the image embedded, the axes and any overlay as vectors. `centred`: axes in frequency bins with 0
 * at bin (floor(H/2), floor(W/2)); otherwise in pixels.
 */
function RasterChart({ title, description, filename, image, height, width, centred, children, testId, scale: colourScale }: {
  title: string;
  description: string;
  filename: string;
  image: string | null;
  height: number;
  width: number;
  centred: boolean;
  children?: (place: { cx: number; cy: number; scale: number }) => ReactNode;
  testId: string;
  scale: ColourScale | null;
}) {
  // The plot's longer side from the frame's width (less the axes and the colour scale), within
  // bounds; the raster is an image drawn pixelated, so a resize only scales it.
  const [frame, available] = useElementWidth<HTMLElement>(0);
  const side = rasterSide(available, M.left + M.right + SCALE_ROOM, RASTER_BOUNDS.channel.minSide, RASTER_BOUNDS.channel.maxSide);
  const scale = side / Math.max(height, width);
  const plotW = width * scale, plotH = height * scale;
  const [x0, y0] = centred ? [Math.floor(width / 2), Math.floor(height / 2)] : [0, 0];
  // Bin or pixel k is drawn over [k, k + 1) from the image's corner.
  const x = scaleLinear().domain([-x0, width - x0]).range([M.left, M.left + plotW]);
  const y = scaleLinear().domain([-y0, height - y0]).range([M.top, M.top + plotH]);
  // Whole bins or pixels only, labelled at their centres.
  const ticks = (axis: typeof x, count: number) => axis.ticks(count).filter((t) => Number.isInteger(t) && t < axis.domain()[1]);
  return (
    <ChartFrame title={title} description={description} filename={filename} width={Math.ceil(M.left + plotW + M.right + SCALE_ROOM)} height={Math.ceil(M.top + plotH + M.bottom)} testId={testId} frameRef={frame}>
      {image && <image href={image} x={M.left} y={M.top} width={plotW} height={plotH} preserveAspectRatio="none" style={{ imageRendering: 'pixelated' }} />}
      <rect x={M.left} y={M.top} width={plotW} height={plotH} fill="none" stroke={AXIS.colour} strokeWidth={0.5} />
      {ticks(x, 4).map((t) => (
        <text key={`x${t}`} x={x(t + 0.5)} y={M.top + plotH + 12} textAnchor="middle" fontSize={AXIS.font - 1} fill={AXIS.colour}>{t}</text>
      ))}
      {ticks(y, 4).map((t) => (
        <text key={`y${t}`} x={M.left - 4} y={y(t + 0.5)} dy="0.32em" textAnchor="end" fontSize={AXIS.font - 1} fill={AXIS.colour}>{t}</text>
      ))}
      <text x={M.left + plotW / 2} y={M.top + plotH + 28} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{centred ? 'kx (bins)' : 'x (pixels)'}</text>
      <text x={12} y={M.top + plotH / 2} transform={`rotate(-90 12 ${M.top + plotH / 2})`} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{centred ? 'ky (bins)' : 'y (pixels)'}</text>
      {children?.({ cx: x(0.5), cy: y(0.5), scale })}
      {colourScale && <ScaleBar x={M.left + plotW + 10} y={M.top} height={plotH} scale={colourScale} id={`${testId}-scale`} />}
    </ChartFrame>
  );
}

/** A vertical colour bar with its values at the ends and the middle, and its title. */
function ScaleBar({ x, y, height, scale, id }: { x: number; y: number; height: number; scale: ColourScale; id: string }) {
  const stops = [0, 0.25, 0.5, 0.75, 1];
  return (
    <g className="colour-scale" data-lo={scale.lo} data-hi={scale.hi}>
      <defs>
        <linearGradient id={id} x1="0" y1="1" x2="0" y2="0">
          {stops.map((t) => <stop key={t} offset={t} stopColor={scale.colour(t)} />)}
        </linearGradient>
      </defs>
      <rect x={x} y={y} width={10} height={height} fill={`url(#${id})`} stroke="#999" strokeWidth={0.5} />
      {[0, 0.5, 1].map((t) => (
        <text key={t} x={x + 13} y={y + (1 - t) * height} dy={t === 1 ? '0.7em' : t === 0 ? '0' : '0.32em'} fontSize={AXIS.font - 2} fill={AXIS.colour}>{formatNumber(scale.lo + t * (scale.hi - scale.lo), Math.abs(scale.hi - scale.lo) < 0.1 ? 4 : 2)}</text>
      ))}
      <text transform={`translate(${x + 72} ${y + height / 2}) rotate(-90)`} textAnchor="middle" fontSize={AXIS.font - 1} fill={AXIS.colour}>{scale.label}</text>
    </g>
  );
}

function SideChannel({ side, layerName, result, input, channel, kappa, dc }: { side: SideName; layerName: string; result: LayerResult; input: number | null; channel: number; kappa: number; dc: SropParams['dc'] }) {
  const [n, c, h, w] = result.shape;
  // The pane pools its batch: the distributions hold every input's maps, and the map shown here is
  // picked in this view (input 0 at first).
  const [pooledItem, setPooledItem] = useState(0);
  const item = Math.min(input ?? pooledItem, n - 1);
  const map = item * c + channel;
  const [mapImage, setMapImage] = useState<{ image: string; lo: number; hi: number } | null>(null);
  /** A 1 x 1 map's one value (shown as a number: as an image it would be one flat square). */
  const [single, setSingle] = useState<number | null>(null);
  const flat = h === 1 && w === 1;
  const [spectrum, setSpectrum] = useState<{ image: string; backend: string; lo: number; hi: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const session = useSession();
  // The spectrum comes from the engine in use: a new engine (device replaced, backend switched) draws it again.
  const generation = useStore(session.engines).host?.generation ?? -1;
  useEffect(() => {
    let live = true;
    setError(null);
    setMapImage(null);
    setSingle(null);
    setSpectrum(null);
    session
      .channelMap(result, map)
      .then((got) => {
        if (!live) return;
        if (got.kind === 'single') {
          setSingle(got.value);
          return;
        }
        let lo = Infinity, hi = -Infinity;
        for (const v of got.values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
        if (!(lo <= hi)) lo = hi = 0;
        setMapImage({ image: raster(got.values, h, w, lo, hi, interpolateGreys), lo, hi });
        const s = centredLogPower(got.power, h, w, dc);
        const floor = Math.max(s.min, s.max - 12);
        setSpectrum({ image: raster(s.logPower, h, w, floor, s.max, interpolateViridis), backend: got.backend, lo: floor, hi: s.max });
      })
      .catch((e: unknown) => live && setError((e as Error).message));
    return () => {
      live = false;
    };
  }, [session, generation, map, h, w, dc, result.file, result.name]); // eslint-disable-line react-hooks/exhaustive-deps
  const status = STATUS_NAMES[result.status[map]];
  const srop = result.status[map] === 0 ? result.srop[map] : null;
  const curve = useMemo(() => mapCurve(result, map), [result, map]);
  const mark = useMemo(() => curve && sropMark(result, map, curve), [result, map, curve]);
  const ellipse = srop !== null ? sropEllipse(srop, h, w) : null;
  // With several inputs in the layer, the exports and descriptions say whose map it is.
  // Named as the views name the layer (a second conv1 of a pane is `conv1 (b2.npz)`).
  const file = `${layerName}-${side}${n > 1 ? `-i${item}` : ''}-c${channel}`;
  const which = n > 1 ? `input ${item}, channel ${channel}` : `channel ${channel}`;
  return (
    <div className="side-channel" data-testid={`channel-${side}`}>
      <h3 style={{ color: SIDE_STYLE[side].colour }}>
        {side}: input {item}{input === null && n > 1 ? ` of ${n}` : ''}, channel {channel}: SROP {formatNumber(srop)} {status !== 'ok' && <span className="tag warn">{status}</span>}
      </h3>
      {input === null && n > 1 && (
        <p className="hint">
          <label>
            The pane pools its {n} inputs; map shown: input{' '}
            <input
              type="number"
              aria-label={`Channel view ${side} input`}
              min={0}
              max={n - 1}
              step={1}
              value={item}
              onChange={(e) => {
                const v = Math.round(Number(e.target.value));
                if (Number.isFinite(v)) setPooledItem(Math.max(0, Math.min(n - 1, v)));
              }}
            />
          </label>
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {flat && (
        <p className="single-pixel" data-testid={`single-pixel-${side}`}>
          1 x 1 map, value <strong>{single === null ? '…' : formatNumber(single, 6)}</strong>. {SINGLE_PIXEL_NOTE}: the map has no spatial frequency but DC, so no spectrum is drawn.
        </p>
      )}
      {!flat && <div className="chart-grid channel-charts">
        <RasterChart
          title={`Feature map (${h} x ${w})`}
          description={`${side} feature map, ${which}, ${h} by ${w}, grey scale from its minimum to its maximum`}
          filename={`srop-map-${file}`}
          image={mapImage?.image ?? null}
          height={h}
          width={w}
          centred={false}
          testId={`feature-map-${side}`}
          scale={mapImage && { lo: mapImage.lo, hi: mapImage.hi, colour: interpolateGreys, label: 'activation' }}
        />
        <RasterChart
          title={`Centred log power spectrum, SROP ellipse${spectrum ? ` (${spectrum.backend === 'gpu' ? 'GPU' : 'CPU'} FFT)` : ''}`}
          description={`${side} centred log power spectrum of ${which} (viridis, 12 decades), the SROP drawn as an ellipse`}
          filename={`srop-spectrum-${file}`}
          image={spectrum?.image ?? null}
          height={h}
          width={w}
          centred
          testId={`spectrum-${side}`}
          scale={spectrum && { lo: spectrum.lo, hi: spectrum.hi, colour: interpolateViridis, label: 'log10 power' }}
        >
          {({ cx, cy, scale }) => ellipse && spectrum && (
            <g>
              <ellipse cx={cx} cy={cy} rx={ellipse.rx * scale} ry={ellipse.ry * scale} fill="none" stroke="#fff" strokeWidth={2} />
              <ellipse cx={cx} cy={cy} rx={ellipse.rx * scale} ry={ellipse.ry * scale} fill="none" stroke={SIDE_STYLE[side].colour} strokeWidth={1} strokeDasharray="4 2" />
            </g>
          )}
        </RasterChart>
        {curve && (
          <EnergyCurve
            title={`Cumulative ring energy, ${side}, ${which}`}
            filename={`srop-energy-${file}`}
            curves={[{ side, band: curve, mark }]}
            kappa={kappa}
            testId={`channel-energy-${side}`}
          />
        )}
      </div>}
    </div>
  );
}

export function ChannelDetail({ row, channel, inputs, kappa, dc }: {
  row: LayerRow;
  channel: number;
  inputs: { A: number | null; B: number | null };
  kappa: number;
  dc: SropParams['dc'];
}) {
  return (
    <section className="panel" aria-labelledby="channel-heading" data-testid="channel-detail">
      <h2 id="channel-heading">Channel {channel} of {row.name}</h2>
      {row.a && channel < row.a.result.shape[1] && <SideChannel side="A" layerName={row.name} result={row.a.result} input={inputs.A} channel={channel} kappa={kappa} dc={dc} />}
      {row.b && channel < row.b.result.shape[1] && <SideChannel side="B" layerName={row.name} result={row.b.result} input={inputs.B} channel={channel} kappa={kappa} dc={dc} />}
    </section>
  );
}
