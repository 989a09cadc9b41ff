// One row per layer with the `srop compare` figures and each side's dead and non-finite counts;
// sortable by any column; the layers that moved most (top quarter by Wasserstein distance) are
// marked. Then the statistics across inputs (each input's median SROP; Wilcoxon paired or
// Mann-Whitney; Holm over the layers), with the "paired" toggle. A click opens the layer.
import { useMemo, useState } from 'react';
import { inputsDiffer, movedMost, pairingPossible, SINGLE_PIXEL_NOTE, singlePixelRow, sortRows, type ComparisonKey, type LayerRow } from '../analysis/layerRows';
import { formatNumber, formatP } from './charts/theme';

const COLUMNS: Array<{ key: ComparisonKey; label: string; title: string }> = [
  { key: 'order', label: '#', title: 'network order' },
  { key: 'name', label: 'layer', title: 'layer name' },
  { key: 'median_a', label: 'median A', title: 'median SROP of A' },
  { key: 'median_b', label: 'median B', title: 'median SROP of B' },
  { key: 'delta_median', label: 'Δ median', title: 'median B minus median A' },
  { key: 'wasserstein', label: 'Wasserstein', title: 'Wasserstein-1 distance between the distributions' },
  { key: 'ks', label: 'KS', title: 'Kolmogorov-Smirnov statistic' },
  { key: 'paired_median_delta', label: 'paired Δ', title: 'median over channels of SROP B minus SROP A' },
  { key: 'share_rising', label: 'rising', title: 'share of channels whose SROP rose' },
  { key: 'dead', label: 'dead A | B', title: "maps without an SROP because their kept energy is negligible; sorts by A's count, ties by B's" },
  { key: 'nonfinite', label: 'non-finite A | B', title: "maps without an SROP because they hold a NaN or an infinity; sorts by A's count, ties by B's" },
  { key: 'inputs', label: 'inputs A | B', title: "inputs with a median SROP on each side (an input none of whose maps has an SROP is left out); sorts by A's count, ties by B's" },
  { key: 'test', label: 'test', title: 'wilcoxon: paired signed-rank test over inputs; mann-whitney: unpaired U test; none: fewer than 3 inputs on a side' },
  { key: 'input_median_delta', label: 'input Δ', title: "paired: median over inputs of B's median SROP minus A's; unpaired: median of B's input medians minus A's" },
  { key: 'p_value', label: 'p', title: "two-sided p-value of the test across inputs (each input's median SROP over its channels is one observation)" },
  { key: 'p_holm', label: 'p Holm', title: "p adjusted by Holm's method over the layers compared; below 0.05 marked" },
];


export function ComparisonTable({ rows, selected, onSelect, paired, onPaired }: {
  rows: LayerRow[];
  selected: string | null;
  onSelect: (name: string) => void;
  /** The "paired" toggle: inputs tested paired where A and B hold as many. */
  paired: boolean;
  onPaired: (paired: boolean) => void;
}) {
  const [sort, setSort] = useState<{ key: ComparisonKey; descending: boolean }>({ key: 'order', descending: false });
  const sorted = useMemo(() => sortRows(rows, sort.key, sort.descending), [rows, sort]);
  const moved = useMemo(() => movedMost(rows), [rows]);
  const canPair = pairingPossible(rows);
  return (
    <section aria-labelledby="comparison-heading" className="panel">
      <h2 id="comparison-heading">Comparison, A vs B</h2>
      <p className="hint" data-testid="pairing">
        <label title="input i of A with input i of B (Wilcoxon signed-rank), where both sides hold as many inputs; off: two independent sets (Mann-Whitney U)">
          <input type="checkbox" checked={paired && canPair} disabled={!canPair} onChange={(e) => onPaired(e.target.checked)} /> paired inputs
        </label>
        {': '}
        {canPair ? (paired ? 'input i of A against input i of B (Wilcoxon signed-rank)' : 'A and B as independent sets (Mann-Whitney U)') : 'A and B hold different numbers of inputs: independent sets (Mann-Whitney U)'}
        ; the p-values treat each input's median SROP over its channels as one observation.
      </p>
      <div className="table-scroll">
        <table className="comparison" data-testid="comparison-table">
          <caption className="visually-hidden">Per-layer comparison of the SROP distributions of A and B; marked rows moved most</caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                  <button
                    type="button"
                    title={`${c.title}; click to sort`}
                    onClick={() => setSort((s) => ({ key: c.key, descending: s.key === c.key ? !s.descending : c.key !== 'order' && c.key !== 'name' }))}
                  >
                    {c.label}
                    {sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => {
              const c = row.comparison;
              const note = row.match === 'only-a' ? 'only in A' : row.match === 'only-b' ? 'only in B' : row.match === 'shape-differs' ? `shapes differ: A ${row.a!.result.shape.join('x')}, B ${row.b!.result.shape.join('x')}` : '';
              return (
                <tr
                  key={row.name}
                  data-layer={row.name}
                  className={[moved.has(row.name) ? 'moved' : '', selected === row.name ? 'selected' : '', row.match !== 'both' ? 'unmatched' : ''].join(' ')}
                  onClick={() => onSelect(row.name)}
                >
                  <td>{row.order + 1}</td>
                  <th scope="row">
                    <button type="button" className="link" onClick={() => onSelect(row.name)}>{row.name}</button>
                    {moved.has(row.name) && <span className="tag" title="among the layers that moved most (Wasserstein)">moved</span>}
                    {note && <span className="tag warn">{note}</span>}
                    {singlePixelRow(row) && <span className="tag" data-single-pixel="true">{SINGLE_PIXEL_NOTE}</span>}
                    {inputsDiffer(row) && <span className="tag" data-inputs-differ="true" title="the inputs' median SROPs differ between A and B (p Holm < 0.05)">inputs differ</span>}
                  </th>
                  <td>{formatNumber(c?.median_a ?? row.a?.summary.median)}</td>
                  <td>{formatNumber(c?.median_b ?? row.b?.summary.median)}</td>
                  <td>{formatNumber(c?.delta_median)}</td>
                  <td>{formatNumber(c?.wasserstein, 4)}</td>
                  <td>{formatNumber(c?.ks)}</td>
                  <td>{formatNumber(c?.paired_median_delta)}</td>
                  <td>{c?.share_rising == null ? '–' : `${(c.share_rising * 100).toFixed(0)} %`}</td>
                  <td data-column="dead">{`${row.a?.summary.dead ?? '–'} | ${row.b?.summary.dead ?? '–'}`}</td>
                  <td data-column="nonfinite">{`${row.a?.summary.nonfinite ?? '–'} | ${row.b?.summary.nonfinite ?? '–'}`}</td>
                  <td data-column="inputs">{row.inputs ? `${row.inputs.inputs_a} | ${row.inputs.inputs_b}` : '–'}</td>
                  <td data-column="test">{row.inputs?.test ?? '–'}</td>
                  <td data-column="input_median_delta">{formatNumber(row.inputs?.input_median_delta)}</td>
                  <td data-column="p_value">{formatP(row.inputs?.p_value)}</td>
                  <td data-column="p_holm">{formatP(row.inputs?.p_holm)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
