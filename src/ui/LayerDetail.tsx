// One layer in detail: histograms of A and B, the median cumulative ring-energy curves with their
// interquartile bands and the kappa line, each input's median SROP on A and B (InputPlot), and
// the channels, sortable by SROP of A, of B or change.
import { useEffect, useMemo, useRef, useState } from 'react';
import { SINGLE_PIXEL_NOTE, singlePixelRow, type LayerRow } from '../analysis/layerRows';
import { channelNoneReason, channelRows, channelValuesNote, cumulativeBand, sortChannels, type ChannelKey } from '../analysis/layerDetail';
import { Histogram } from './charts/Histogram';
import { EnergyCurve, type CurveSide } from './charts/EnergyCurve';
import { InputPlot } from './charts/InputPlot';
import { formatNumber } from './charts/theme';

export function LayerDetail({ row, inputs, kappa, xMax, channel, onChannel }: {
  row: LayerRow;
  inputs: { A: number | null; B: number | null };
  kappa: number;
  xMax: number;
  channel: number | null;
  onChannel: (channel: number) => void;
}) {
  const [sort, setSort] = useState<{ key: ChannelKey; descending: boolean }>({ key: 'channel', descending: false });
  const channels = useMemo(() => channelRows(row.a?.result ?? null, row.b?.result ?? null, inputs.A, inputs.B), [row, inputs.A, inputs.B]);
  const sorted = useMemo(() => sortChannels(channels, sort.key, sort.descending), [channels, sort]);
  // The selected channel scrolls into view inside the table's own box (the page does not move).
  const tableBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = tableBox.current;
    const selectedRow = box?.querySelector<HTMLTableRowElement>('tr.selected');
    if (!box || !selectedRow) return;
    const head = box.querySelector('thead')?.getBoundingClientRect().height ?? 0;
    const top = selectedRow.offsetTop, bottom = top + selectedRow.offsetHeight;
    if (top < box.scrollTop + head) box.scrollTop = Math.max(0, top - head);
    else if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight;
  }, [channel, sorted]);
  const curves: CurveSide[] = useMemo(() => {
    const out: CurveSide[] = [];
    if (row.a?.result.profiles) out.push({ side: 'A', band: cumulativeBand(row.a.result, inputs.A) });
    if (row.b?.result.profiles) out.push({ side: 'B', band: cumulativeBand(row.b.result, inputs.B) });
    return out;
  }, [row, inputs.A, inputs.B]);
  // Columns and charts of the sides this layer has: no B column or change without B.
  const compared = row.a !== null && row.b !== null;
  const flat = singlePixelRow(row);
  const shapes = [row.a && `A ${row.a.result.shape.join('x')}`, row.b && `B ${row.b.result.shape.join('x')}`].filter(Boolean).join(', ');
  // Which side's values are batch means (pooled pane, several inputs) and which one input's.
  const notes = [channelValuesNote('A', row.a?.result ?? null, inputs.A), channelValuesNote('B', row.b?.result ?? null, inputs.B)].filter(Boolean);
  const header = (key: ChannelKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : key !== 'channel' }))}>
        {label}
        {sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  const tensor = row.a?.result.tensor ?? row.b?.result.tensor ?? null;
  return (
    <section className="panel" aria-labelledby="layer-heading" data-testid="layer-detail">
      <h2 id="layer-heading" title={tensor ? `tensor ${tensor}` : undefined}>Layer {row.name} <small>({shapes})</small></h2>
      {tensor && <p className="hint" data-testid="layer-tensor">tensor <code>{tensor}</code></p>}
      {[row.a, row.b].some((r) => r && !r.result.profiles) && <p className="notice" data-testid="results-only-layer">{[row.a && !row.a.result.profiles && 'A', row.b && !row.b.result.profiles && 'B'].filter(Boolean).join(' and ')} from a results file: SROPs only, no ring profiles, so no energy curve{curves.length ? ' for it' : ''}.</p>}
      {flat && <p className="notice" data-testid="single-pixel-layer">{SINGLE_PIXEL_NOTE}: each map is one value, with no spatial frequency but DC; the channel view shows the values.</p>}
      <div className="chart-grid layer-charts">
        {!flat && <Histogram layer={row.name} a={row.a?.values ?? null} b={row.b?.values ?? null} xMax={xMax} />}
        {!flat && curves.length > 0 && <EnergyCurve title={`Median cumulative ring energy, ${row.name}`} filename={`srop-energy-${row.name}`} curves={curves} kappa={kappa} />}
        {!flat && row.inputs && <InputPlot layer={row.name} stats={row.inputs} />}
        <div className="channel-list">
          <h3>Channels{notes.length ? ` (${notes.join('; ')})` : ''}</h3>
          <div className="table-scroll short" ref={tableBox}>
            <table data-testid="channel-table">
              <thead>
                <tr>
                  {header('channel', 'channel')}
                  {row.a && header('a', 'SROP A')}
                  {row.b && header('b', 'SROP B')}
                  {compared && header('change', 'change')}
                </tr>
              </thead>
              <tbody>
                {sorted.map((c) => (
                  <tr key={c.channel} className={channel === c.channel ? 'selected' : ''}>
                    <th scope="row">
                      <button type="button" className="link" onClick={() => onChannel(c.channel)} aria-label={`Channel ${c.channel}`}>{c.channel}</button>
                    </th>
                    {row.a && <td>{c.noneA ? <span className="none" title={channelNoneReason(c.noneA, inputs.A === null && row.a.result.shape[0] > 1)}>{c.noneA === 'dead' ? 'dead' : 'non-finite'}</span> : formatNumber(c.a)}</td>}
                    {row.b && <td>{c.noneB ? <span className="none" title={channelNoneReason(c.noneB, inputs.B === null && row.b.result.shape[0] > 1)}>{c.noneB === 'dead' ? 'dead' : 'non-finite'}</span> : formatNumber(c.b)}</td>}
                    {compared && <td>{formatNumber(c.change)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>
    </section>
  );
}
