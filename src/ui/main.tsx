// Entry of the page, and its composition root: the engine host and the session are made here, once,
// and handed to the components through a context.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EngineHost } from '../engine/host';
import type { BackendChoice } from '../engine/types';
import { Session } from '../session/session';
import { App } from './App';
import { SessionContext } from './useSession';
import { exposeForTests } from './testHooks';
import { pageCpuEngine, pagePool } from '../engine/cpuPoolWeb';
import './app.css';
import '../io/browser';
import { browserKeptSession } from '../io/keptSession';

/** The engine asked for in the address (`?backend=gpu|cpu|auto`), else auto. */
function initialChoice(): BackendChoice {
  const asked = new URLSearchParams(window.location.search).get('backend');
  return asked === 'gpu' || asked === 'cpu' || asked === 'auto' ? asked : 'auto';
}

const gpu = 'gpu' in navigator ? navigator.gpu : undefined;
const missingReason = window.isSecureContext ? 'this browser has no navigator.gpu (WebGPU is off or unsupported)' : 'no navigator.gpu: the page is not in a secure context (serve it on localhost or https)';
// The page's single EngineHost (one owner of the GPUDevice).
const host = EngineHost.start({ gpu, missingReason, cpuEngine: pageCpuEngine }, initialChoice());
// The CPU engine runs on a pool of Web Workers (src/engine/cpuPoolWeb.ts): the page's thread does no FFT work.
// The session is kept in this browser's IndexedDB as it changes, and restored here on a reload
// (the address's own engine choice, `?backend=`, wins over the kept one; `?nodemo` opens the page
// empty, without the demo or the kept session, which its first change then replaces).
const session = new Session({ host, base: import.meta.env.BASE_URL, cpuEngine: pageCpuEngine, storage: browserKeptSession });
const address = new URLSearchParams(window.location.search);
void session.keeper!.start({ engineChoice: !address.has('backend'), restore: !address.has('nodemo') });
void host.then((h) => {
  exposeForTests('sropEngineHost', h);
  // On the CPU engine the workers start (and compile their code: CpuEngine.prime) as the page
  // opens, not when the first file arrives.
  if (h.state.decision.backend === 'cpu') pagePool()?.warm();
});
exposeForTests('sropWorkspace', session.workspace);
exposeForTests('sropModel', session.model);
exposeForTests('sropLab', session.lab);
exposeForTests('sropSession', session);
exposeForTests('sropKeeper', session.keeper);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionContext.Provider value={session}>
      <App />
    </SessionContext.Provider>
  </StrictMode>,
);
