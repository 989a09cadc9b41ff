// A model runtime's error as one line (onnxruntime-web in the page, onnxruntime-node in `srop run`).

/**
 * The runtime's message on one line: its lines joined, so that the detail it gives after the first
 * line (which input index, what size it expected) is kept; at most 600 characters.
 */
export function runtimeMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const joined = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).join(' ');
  return joined.length > 600 ? `${joined.slice(0, 599)}…` : joined || 'unknown error';
}
