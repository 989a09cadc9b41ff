// The width of an element, kept up to date with a ResizeObserver: charts take their size from
// their container and redraw when it changes (the data they draw is memoised by their callers, so
// a resize redraws without recomputing SROPs).
import { useLayoutEffect, useRef, useState } from 'react';
import { chartSize, type ChartBounds, type ChartSize } from './chartSize';

/** Measures `element`'s width now and on every resize into `setWidth`; returns what stops watching. */
function watchWidth(element: Element, setWidth: React.Dispatch<React.SetStateAction<number>>): (() => void) | undefined {
  const measure = () => {
    const w = Math.floor(element.clientWidth);
    if (w > 0) setWidth((old) => (old === w ? old : w));
  };
  measure();
  if (typeof ResizeObserver === 'undefined') return undefined;
  const observer = new ResizeObserver(measure);
  observer.observe(element);
  return () => observer.disconnect();
}

export function useWidth<T extends HTMLElement>(fallback: number): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => (ref.current ? watchWidth(ref.current, setWidth) : undefined), []);
  return [ref, width];
}

export const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * The width of an element given by a callback ref, kept up to date with a ResizeObserver: unlike
 * useWidth, the element may come and go (a chart drawn once its result exists). `fallback` until
 * it is measured (and where there is no ResizeObserver, as in unit tests).
 */
export function useElementWidth<T extends Element>(fallback: number): [(element: T | null) => void, number] {
  const [element, setElement] = useState<T | null>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => (element ? watchWidth(element, setWidth) : undefined), [element]);
  return [setElement, width];
}

/**
 * A chart's drawn size from its frame's width within `bounds` (chartSize): pass the ref to the
 * chart's ChartFrame (`frameRef`). A resize changes the size only, so the chart redraws from the
 * data its caller memoised; nothing is measured again.
 */
export function useChartSize(bounds: ChartBounds): [(element: HTMLElement | null) => void, ChartSize, number] {
  const [ref, available] = useElementWidth<HTMLElement>(bounds.minWidth);
  return [ref, chartSize(available, bounds), available];
}
