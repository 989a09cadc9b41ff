// Downloads of what the page shows: CSV and JSON text, and each chart as SVG or PNG. Everything is
// made in the page (blob URLs); nothing is sent anywhere.

import { compareCsvHeader, compareCsvRow, layerJson, mapsCsvRows, sideMapsCsvHeader } from '../analysis/format';
import { inputComparisonJson } from '../analysis/inputStats';
import type { LayerResult } from '../analysis/layerResult';
import { displayNames, rowTensor, type LayerRow } from '../analysis/layerRows';
import type { SropParams } from '../analysis/srop';
import { provenanceLines, type Provenance } from '../session/provenance';

/** A CSV export's text: the provenance as `# key: value` lines, then the table. */
export function withProvenance(p: Provenance, csv: string): string {
  return provenanceLines(p).join('\n') + '\n' + csv;
}

export function download(data: Blob, filename: string): void {
  const url = URL.createObjectURL(data);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Every map's SROP of both sides: the `srop` command's CSV with a leading side column. */
export function sropsCsv(a: LayerResult[], b: LayerResult[], provenance?: Provenance): string {
  // Layers are named as the views name them (a repeated name carries its file).
  const rows = (results: LayerResult[], side: string) => {
    const names = displayNames(results);
    return results.map((r, i) => mapsCsvRows(r, `${side},`, names[i].name, { tensorColumn: true })).join('');
  };
  const csv = sideMapsCsvHeader + '\n' + rows(a, 'A') + rows(b, 'B');
  return provenance ? withProvenance(provenance, csv) : csv;
}

/**
 * The comparison table as the `srop compare` command writes it (layers on both sides), named as the
 * views name them, with each layer's full tensor name in the last column.
 */
export function comparisonCsv(rows: LayerRow[], provenance?: Provenance): string {
  const csv = compareCsvHeader + '\n' + rows.filter((r) => r.comparison).map((r) => compareCsvRow({ layer: r.name, ...r.comparison! }, r.inputs!, rowTensor(r))).join('');
  return provenance ? withProvenance(provenance, csv) : csv;
}

/**
 * The page's JSON: parameters, each side's layers and summaries, the comparison, and what made it
 * (`provenance`). `inputFiles` names each input of a side's live set by its file, in the order of
 * the batch axis (the per-map CSV's `input` column); null for activation files.
 */
export function summaryJson(params: SropParams, a: LayerResult[], b: LayerResult[], rows: LayerRow[], inputs: { A: number | null; B: number | null }, provenance?: Provenance, paired = true, inputFiles: { A: string[] | null; B: string[] | null } = { A: null, B: null }): string {
  const side = (results: LayerResult[]) => {
    const names = displayNames(results);
    // Every map's SROP, ring and status too, so that "Open results" can open the export again.
    return results.map((r, i) => ({ layer: names[i].name, tensor: r.tensor ?? r.name, ...layerJson(r) }));
  };
  return JSON.stringify(
    {
      ...(provenance ? { provenance } : {}),
      params,
      inputs: { A: inputs.A ?? 'pooled', B: inputs.B ?? 'pooled' },
      paired,
      input_files: inputFiles,
      A: side(a),
      B: side(b),
      shown: rows.map((r) => ({ layer: r.name, tensor: r.a?.result.tensor ?? r.b?.result.tensor ?? r.name, match: r.match, summary_a: r.a?.summary ?? null, summary_b: r.b?.summary ?? null, comparison: r.comparison && r.inputs ? { ...r.comparison, ...inputComparisonJson(r.inputs) } : r.comparison })),
    },
    null,
    1,
  );
}

/** An SVG element as a standalone document (charts style themselves with attributes, not CSS). */
export function svgText(svg: SVGSVGElement, provenance?: Provenance): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  // The on-screen selection (the highlighted layer) is not part of the figure.
  for (const mark of copy.querySelectorAll('.selection-mark')) mark.setAttribute('fill', 'transparent');
  if (provenance) {
    const metadata = document.createElementNS('http://www.w3.org/2000/svg', 'metadata');
    metadata.setAttribute('data-format', 'srop-provenance+json');
    metadata.textContent = JSON.stringify(provenance);
    copy.insertBefore(metadata, copy.firstChild);
  }
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('font-family', 'system-ui, sans-serif');
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
}

export async function svgToPng(svg: SVGSVGElement, scale = 2, provenance?: Provenance): Promise<Blob> {
  const width = svg.viewBox.baseVal?.width || svg.clientWidth || 800;
  const height = svg.viewBox.baseVal?.height || svg.clientHeight || 400;
  const url = URL.createObjectURL(new Blob([svgText(svg, provenance)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(width * scale);
    canvas.height = Math.ceil(height * scale);
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
