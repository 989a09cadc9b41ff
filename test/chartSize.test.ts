// Chart sizing (src/ui/charts/chartSize.ts): the drawn size follows the container within bounds.
import { describe, expect, it } from 'vitest';
import { CHART_BOUNDS, RASTER_BOUNDS, chartSize, rasterSide, type ChartBounds } from '../src/ui/charts/chartSize';

const bounds: ChartBounds = { minWidth: 260, maxWidth: 720, aspect: 0.55, minHeight: 200, maxHeight: 360 };

describe('chartSize', () => {
  it('takes the container width between the bounds, the height from the width', () => {
    // 587.6 px (a panel at 1280 px): whole pixels, height 0.55 x 587 = 322.85 -> 323.
    expect(chartSize(587.6, bounds)).toEqual({ width: 587, height: 323 });
    expect(chartSize(606, bounds)).toEqual({ width: 606, height: 333 });
    // Wider containers give wider charts up to the maximum, then stop.
    const widths = [300, 413, 599, 719, 720, 721, 2500].map((w) => chartSize(w, bounds).width);
    expect(widths).toEqual([300, 413, 599, 719, 720, 720, 720]);
  });

  it('keeps the narrowest drawing below the minimum width (the frame scales it down), and for an unmeasured container', () => {
    expect(chartSize(181, bounds)).toEqual({ width: 260, height: 200 });
    for (const nothing of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) expect(chartSize(nothing, bounds)).toEqual({ width: 260, height: 200 });
  });

  it('clamps the height at both ends', () => {
    // 300 x 0.55 = 165 -> the minimum 200; 700 x 0.55 = 385 -> the maximum 360.
    expect(chartSize(300, bounds).height).toBe(200);
    expect(chartSize(700, bounds).height).toBe(360);
    expect(chartSize(500, { ...bounds, aspect: 0.5 }).height).toBe(250);
  });

  it('refuses bounds out of order, naming them', () => {
    expect(() => chartSize(500, { ...bounds, minWidth: 800 })).toThrow(/width 800\.\.720/);
    expect(() => chartSize(500, { ...bounds, minHeight: 400 })).toThrow(/height 400\.\.360/);
    expect(() => chartSize(500, { ...bounds, minWidth: 0 })).toThrow(/out of order/);
  });

  it('every chart kind has bounds in order, a minimum that fits an 800-px window, and room to grow', () => {
    for (const [kind, b] of Object.entries(CHART_BOUNDS)) {
      expect(b.minWidth, kind).toBeLessThan(b.maxWidth);
      expect(b.minHeight, kind).toBeLessThanOrEqual(b.maxHeight);
      // An 800-px window leaves about 740 px inside a panel.
      expect(b.minWidth, kind).toBeLessThanOrEqual(740);
      expect(() => chartSize(1000, b)).not.toThrow();
    }
  });
});

describe('rasterSide', () => {
  it('is what the container leaves beside the axes and colour scale, within its bounds', () => {
    const { minSide, maxSide } = RASTER_BOUNDS.channel;
    // 286 px cell, 138 px of axes and scale: a 148 px plot.
    expect(rasterSide(286, 138, minSide, maxSide)).toBe(148);
    expect(rasterSide(397.9, 138, minSide, maxSide)).toBe(259);
    expect(rasterSide(2000, 138, minSide, maxSide)).toBe(maxSide);
    expect(rasterSide(150, 138, minSide, maxSide)).toBe(minSide);
    expect(rasterSide(0, 138, minSide, maxSide)).toBe(minSide);
    expect(rasterSide(Number.NaN, 86, 140, 480)).toBe(140);
  });
});
