// The app shell: header with the engine in use, notices, and the work area.
import { EngineStatus } from './EngineStatus';
import { useEngineHost } from './useEngineHost';

export function App() {
  const { host, state } = useEngineHost();
  return (
    <>
      <header className="app-header">
        <h1>SROP lab</h1>
        <EngineStatus host={host} state={state} />
      </header>
      {state?.notice && <div className="notice" role="alert" data-testid="engine-notice">{state.notice}</div>}
      <main>
        <p>
          Spectral roll-off points of CNN feature maps: for each map, the radius of the 2-D power spectrum that holds
          a share kappa of its energy, 1.0 being the Nyquist radius.
        </p>
      </main>
    </>
  );
}
