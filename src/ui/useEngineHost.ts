// The page's engine store: starts the EngineHost once, mirrors its state into React.
import { useEffect, useState } from 'react';
import { EngineHost, type HostState } from '../engine/host';
import type { BackendChoice } from '../engine/types';
import { pageCpuEngine } from './cpuPoolWeb';

function initialChoice(): BackendChoice {
  const asked = new URLSearchParams(window.location.search).get('backend');
  return asked === 'gpu' || asked === 'cpu' || asked === 'auto' ? asked : 'auto';
}

let hostPromise: Promise<EngineHost> | null = null;

/** The page's single EngineHost (one owner of the GPUDevice). */
export function pageEngineHost(): Promise<EngineHost> {
  if (!hostPromise) {
    const gpu = 'gpu' in navigator ? navigator.gpu : undefined;
    const missingReason = window.isSecureContext ? 'this browser has no navigator.gpu (WebGPU is off or unsupported)' : 'no navigator.gpu: the page is not in a secure context (serve it on localhost or https)';
    hostPromise = EngineHost.start({ gpu, missingReason, cpuEngine: pageCpuEngine }, initialChoice());
    // Reachable from the console and the end-to-end tests (device-loss recovery, scripting).
    void hostPromise.then((host) => ((window as unknown as { sropEngineHost: EngineHost }).sropEngineHost = host));
  }
  return hostPromise;
}

export function useEngineHost(): { host: EngineHost | null; state: HostState | null } {
  const [host, setHost] = useState<EngineHost | null>(null);
  const [state, setState] = useState<HostState | null>(null);
  useEffect(() => {
    let unsubscribe = () => {};
    let live = true;
    pageEngineHost().then((h) => {
      if (!live) return;
      setHost(h);
      setState(h.state);
      unsubscribe = h.subscribe(setState);
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);
  return { host, state };
}
