// How big a chart is drawn, from the width its container gives it (measured with a ResizeObserver,
// useChartSize in useWidth.ts). Pure: the same numbers in the page and in the unit tests.

/** A chart's sensible bounds: its width follows the container between them, its height the width. */
export interface ChartBounds {
  /**
   * Narrowest drawing (px). A container narrower than this shows the chart at this size scaled
   * down to fit (CSS max-width), so that ticks and labels keep their room instead of colliding.
   */
  minWidth: number;
  /** Widest drawing (px): past it the chart stops growing and the container keeps the rest. */
  maxWidth: number;
  /** Height as a share of the width, kept within minHeight..maxHeight. */
  aspect: number;
  minHeight: number;
  maxHeight: number;
}

export interface ChartSize {
  width: number;
  height: number;
}

const between = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * The drawn size for a container `available` px wide: the width clamped to the bounds (whole
 * pixels), the height from the width by the aspect, clamped too. An unmeasured or empty container
 * (0, negative or not a number) gets the narrowest drawing.
 */
export function chartSize(available: number, bounds: ChartBounds): ChartSize {
  if (!(bounds.minWidth > 0) || bounds.maxWidth < bounds.minWidth || bounds.maxHeight < bounds.minHeight) {
    throw new Error(`chart bounds out of order: width ${bounds.minWidth}..${bounds.maxWidth}, height ${bounds.minHeight}..${bounds.maxHeight}`);
  }
  const width = Math.floor(between(Number.isFinite(available) && available > 0 ? available : bounds.minWidth, bounds.minWidth, bounds.maxWidth));
  const height = Math.round(between(width * bounds.aspect, bounds.minHeight, bounds.maxHeight));
  return { width, height };
}

/**
 * The side of a square raster's plot (a feature map, a spectrum, a heatmap) in a container
 * `available` px wide of which `reserved` px go to its axes and colour scale: what is left, within
 * minSide..maxSide (whole pixels).
 */
export function rasterSide(available: number, reserved: number, minSide: number, maxSide: number): number {
  const room = Number.isFinite(available) && available > 0 ? available - reserved : minSide;
  return Math.floor(between(room, minSide, maxSide));
}

/** The bounds of each kind of chart (px), in one place. */
export const CHART_BOUNDS = {
  /** The layer view's histogram and energy curve, and the channel view's energy curve. */
  detail: { minWidth: 260, maxWidth: 720, aspect: 0.55, minHeight: 200, maxHeight: 360 },
  /** The layer view's per-input plot (two columns of points). */
  inputs: { minWidth: 240, maxWidth: 480, aspect: 0.72, minHeight: 200, maxHeight: 320 },
  /** The kappa sweep's two charts (legend at the right). */
  sweep: { minWidth: 380, maxWidth: 900, aspect: 0.5, minHeight: 240, maxHeight: 420 },
  /** The lab's line charts: randomisation, training, training series, architecture (legend at the right). */
  lab: { minWidth: 560, maxWidth: 1200, aspect: 0.4, minHeight: 300, maxHeight: 420 },
} as const satisfies Record<string, ChartBounds>;

/** Raster plots: the feature map and spectrum of the channel view, the lab's occlusion heatmaps. */
export const RASTER_BOUNDS = {
  channel: { minSide: 96, maxSide: 360 },
  heatmap: { minSide: 140, maxSide: 480 },
} as const;
