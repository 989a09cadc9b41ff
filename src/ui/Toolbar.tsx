// Parameters (kappa slider and field, dc, domain, interpolate), the work's progress with a cancel
// button, and the exports.
import { useEffect, useState } from 'react';
import { KAPPA_CHOICES, parseKappa, type SropParams } from '../analysis/srop';
import type { Progress } from '../session/workspace';

export function Parameters({ params, onChange }: { params: SropParams; onChange: (patch: Partial<SropParams>) => void }) {
  const [kappaText, setKappaText] = useState(String(params.kappa));
  const [kappaError, setKappaError] = useState<string | null>(null);
  useEffect(() => setKappaText(String(params.kappa)), [params.kappa]);
  const commitKappa = (text: string) => {
    const parsed = parseKappa(text);
    if ('kappa' in parsed) {
      setKappaError(null);
      onChange({ kappa: parsed.kappa });
    } else {
      setKappaError(parsed.error);
      setKappaText(String(params.kappa));
    }
  };
  const { min, max, step } = KAPPA_CHOICES;
  return (
    <fieldset className="parameters">
      <legend>Parameters</legend>
      <label>
        κ (kappa){' '}
        <input type="range" aria-label="kappa slider" min={min} max={max} step={step} value={params.kappa} onChange={(e) => { setKappaError(null); onChange({ kappa: Number(e.target.value) }); }} />
      </label>
      <input
        type="number"
        aria-label="kappa"
        aria-invalid={kappaError !== null}
        aria-describedby={kappaError ? 'kappa-error' : undefined}
        min={min}
        max={max}
        step={step}
        value={kappaText}
        onChange={(e) => setKappaText(e.target.value)}
        onBlur={(e) => commitKappa(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && commitKappa((e.target as HTMLInputElement).value)}
        style={{ width: '5em' }}
      />
      {kappaError && <span id="kappa-error" className="error-inline" role="alert">{kappaError}</span>}
      <label>
        DC{' '}
        <select aria-label="dc" value={params.dc} onChange={(e) => onChange({ dc: e.target.value as SropParams['dc'] })}>
          <option value="keep">keep</option>
          <option value="remove">remove</option>
        </select>
      </label>
      <label>
        domain{' '}
        <select aria-label="domain" value={params.domain} onChange={(e) => onChange({ domain: e.target.value as SropParams['domain'] })}>
          <option value="disc">disc</option>
          <option value="full">full</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={params.interpolate} onChange={(e) => onChange({ interpolate: e.target.checked })} /> interpolate
      </label>
    </fieldset>
  );
}

export function ProgressBar({ progress, onCancel, onResume, stalled }: { progress: Progress; onCancel: () => void; onResume: () => void; stalled: { cancelled: number; failed: number } }) {
  if (!progress.running) {
    const { cancelled, failed } = stalled;
    if (cancelled === 0 && failed === 0) return null;
    const parts = [cancelled > 0 && `${cancelled} layer${cancelled === 1 ? '' : 's'} cancelled`, failed > 0 && `${failed} layer${failed === 1 ? '' : 's'} failed`].filter(Boolean);
    return (
      <div className="progress" role="status" data-testid="stalled">
        {parts.join(', ')} <button type="button" onClick={onResume} title="queue the cancelled and failed layers again">Resume</button>
      </div>
    );
  }
  const value = progress.done + progress.current;
  return (
    <div className="progress" role="status" data-testid="progress">
      <progress max={Math.max(progress.total, 1)} value={value} aria-label="Layers done" />
      <span>
        {progress.done} / {progress.total} layers; {progress.label}
      </span>
      <button type="button" onClick={onCancel}>Cancel</button>
    </div>
  );
}
