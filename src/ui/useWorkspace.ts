// The page's single Workspace, bound to the engine host: it profiles with whatever engine the host
// holds, and recomputes everything when the host replaces its engine (device lost, backend switched).
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { pageCpuEngine } from './cpuPoolWeb';
import type { EngineHost, HostState } from '../engine/host';
import { Workspace, type WorkspaceState } from './workspace';

let page: { workspace: Workspace; host: EngineHost | null } | null = null;

function pageWorkspace() {
  if (!page) {
    const fallback = pageCpuEngine();
    const holder: { workspace: Workspace; host: EngineHost | null } = { workspace: null as unknown as Workspace, host: null };
    holder.workspace = new Workspace(() => holder.host?.engine ?? fallback);
    page = holder;
    (window as unknown as { sropWorkspace: Workspace }).sropWorkspace = holder.workspace;
  }
  return page;
}

export function useWorkspace(host: EngineHost | null, hostState: HostState | null): { workspace: Workspace; state: WorkspaceState } {
  const holder = pageWorkspace();
  holder.host = host;
  const state = useSyncExternalStore(holder.workspace.subscribe, holder.workspace.snapshot);
  const generation = useRef<number | null>(null);
  useEffect(() => {
    if (!hostState) return;
    const previous = generation.current;
    generation.current = hostState.generation;
    if (previous !== null && previous !== hostState.generation && hostState.status !== 'recovering') holder.workspace.recomputeAll();
  }, [hostState, holder]);
  return { workspace: holder.workspace, state };
}
