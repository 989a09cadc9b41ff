// A chart's frame: its title, what it shows for screen readers, and SVG and PNG downloads.
import { useRef, type ReactNode } from 'react';
import { download, svgText, svgToPng } from '../exporters';
import { exportFileName } from '../../session/provenance';
import { useSession } from '../useSession';

export function ChartFrame({ title, description, filename, width, height, children, testId, scroll = false, frameRef }: {
  title: string;
  description: string;
  filename: string;
  width: number;
  height: number;
  children: ReactNode;
  testId?: string;
  /**
   * Wider than its panel: scroll sideways at full size (the overview of many layers). Otherwise the
   * chart shrinks to its panel's width, keeping its proportions.
   */
  scroll?: boolean;
  /**
   * Measures the frame (useChartSize): the chart takes its size from the width its container gives
   * the frame. The SVG is drawn at that size, and the exports take the size drawn.
   */
  frameRef?: (element: HTMLElement | null) => void;
}) {
  const svg = useRef<SVGSVGElement>(null);
  const session = useSession();
  // The file name carries the model and kappa; the SVG carries the whole provenance as <metadata>.
  const saveSvg = () => {
    if (!svg.current) return;
    const p = session.provenance();
    download(new Blob([svgText(svg.current, p)], { type: 'image/svg+xml' }), exportFileName(filename, p, 'svg'));
  };
  const savePng = async () => {
    if (!svg.current) return;
    const p = session.provenance();
    download(await svgToPng(svg.current), exportFileName(filename, p, 'png'));
  };
  return (
    <figure className="chart" data-testid={testId} ref={frameRef}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <button type="button" onClick={saveSvg}>
          SVG
        </button>
        <button type="button" onClick={() => void savePng()}>
          PNG
        </button>
      </figcaption>
      <div className={scroll ? 'chart-scroll' : 'chart-fit'}>
        <svg ref={svg} role="img" aria-label={`${title}: ${description}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
          <title>{title}</title>
          <desc>{description}</desc>
          <rect width={width} height={height} fill="#fff" />
          {children}
        </svg>
      </div>
    </figure>
  );
}
