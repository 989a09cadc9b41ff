// A chart's frame: its title, what it shows for screen readers, and SVG and PNG downloads.
import { useRef, type ReactNode } from 'react';
import { download, svgText, svgToPng } from '../exporters';

export function ChartFrame({ title, description, filename, width, height, children, testId }: {
  title: string;
  description: string;
  filename: string;
  width: number;
  height: number;
  children: ReactNode;
  testId?: string;
}) {
  const svg = useRef<SVGSVGElement>(null);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <button type="button" onClick={() => svg.current && download(new Blob([svgText(svg.current)], { type: 'image/svg+xml' }), `${filename}.svg`)}>
          SVG
        </button>
        <button type="button" onClick={async () => svg.current && download(await svgToPng(svg.current), `${filename}.png`)}>
          PNG
        </button>
      </figcaption>
      <div className="chart-scroll">
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
