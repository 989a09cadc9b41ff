// Header badge: which engine runs, on which adapter, and a control to override the choice.
import type { HostState } from '../engine/host';
import type { BackendChoice } from '../engine/types';

/** `where`: where the engine computes (its workers, or the adapter), shown on hover. */
export function EngineStatus({ state, where, onChoice }: { state: HostState | null; where: string; onChoice: (choice: BackendChoice) => void }) {
  if (!state) return <div className="engine-status" role="status">Looking for WebGPU…</div>;
  const { decision, adapter } = state;
  return (
    <div className="engine-status">
      <span className={`badge ${decision.backend}`} data-testid="engine-backend" title={where}>
        {decision.backend === 'gpu' ? 'GPU engine' : 'CPU engine'}
      </span>
      <span data-testid="engine-reason" role="status">{decision.reason}</span>
      <span data-testid="engine-adapter" hidden>{adapter.name ?? ''}</span>
      <label>
        Engine{' '}
        <select
          aria-label="Engine"
          value={state.choice}
          onChange={(event) => onChoice(event.target.value as BackendChoice)}
        >
          <option value="auto">auto</option>
          <option value="gpu">GPU</option>
          <option value="cpu">CPU</option>
        </select>
      </label>
    </div>
  );
}
