// Header badge: which engine runs, on which adapter, and a control to override the choice.
import type { EngineHost, HostState } from '../engine/host';
import type { BackendChoice } from '../engine/types';
import { PooledCpuEngine } from '../engine/cpuPool';

export function EngineStatus({ host, state }: { host: EngineHost | null; state: HostState | null }) {
  if (!host || !state) return <div className="engine-status" role="status">Looking for WebGPU…</div>;
  const { decision, adapter } = state;
  const engine = host.engine;
  const where = engine instanceof PooledCpuEngine ? `float64, on ${engine.threads} worker${engine.threads === 1 ? '' : 's'} beside the page` : decision.backend === 'cpu' ? 'float64, on the page\'s own thread' : (adapter.name ?? '');
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
