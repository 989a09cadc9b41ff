// Header badge: which engine runs, on which adapter, and a control to override the choice.
import type { EngineHost, HostState } from '../engine/host';
import type { BackendChoice } from '../engine/types';

export function EngineStatus({ host, state }: { host: EngineHost | null; state: HostState | null }) {
  if (!host || !state) return <div className="engine-status" role="status">Looking for WebGPU…</div>;
  const { decision, adapter } = state;
  return (
    <div className="engine-status">
      <span className={`badge ${decision.backend}`} data-testid="engine-backend">
        {decision.backend === 'gpu' ? 'GPU engine' : 'CPU engine'}
      </span>
      <span data-testid="engine-reason" role="status">{decision.reason}</span>
      <span data-testid="engine-adapter" hidden>{adapter.name ?? ''}</span>
      <label>
        Engine{' '}
        <select
          aria-label="Engine"
          value={state.choice}
          onChange={(event) => void host.setChoice(event.target.value as BackendChoice)}
        >
          <option value="auto">auto</option>
          <option value="gpu">GPU</option>
          <option value="cpu">CPU</option>
        </select>
      </label>
    </div>
  );
}
