// The top of a pane when a model is loaded: the side's input image (file picker "Input A image",
// PNG, JPEG, WebP, BMP, or a .npy tensor of the model's input shape), shown at the model's input
// size; on A a rectangle can be drawn for "Occlude"; and the model's top-5 classes for the side.
import { useEffect, useRef, useState, type PointerEvent } from 'react';
import type { ModelState, ModelStore, SideInput } from '../session/modelStore';
import type { SideName } from '../session/workspace';
import type { PageContent } from '../session/pageContent';

const SHOWN = 168;

const FILL_WORDS = { zero: 'black', mean: "the image's mean colour", blur: 'a blurred copy', noise: 'a noisy copy' } as const;

/** How an input was made, in words: "made from cat.png: blurred (sigma 1.5 px)". */
function recipeText(input: SideInput): string | null {
  const r = input.recipe;
  if (!r) return null;
  const how = r.kind === 'occlude' && r.rect
    ? `rectangle (${Math.round(r.rect.x)}, ${Math.round(r.rect.y)}) ${Math.round(r.rect.width)} x ${Math.round(r.rect.height)} px filled with ${r.fill && r.fill !== 'zero' ? FILL_WORDS[r.fill] : r.value}`
    : r.kind === 'blur' ? `blurred, sigma ${r.sigma} px` : r.kind === 'noise' ? `Gaussian noise, sigma ${r.sigma} grey levels` : `blank (${r.value})`;
  return `made from ${r.from}: ${how}`;
}

export function LiveInput({ side, store, content, state }: { side: SideName; store: ModelStore; content: PageContent; state: ModelState }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const input = state.inputs[side];
  const [drag, setDrag] = useState<{ x: number; y: number } | null>(null);
  const image = input?.image ?? null;
  useEffect(() => {
    const c = canvas.current;
    if (!c || !image) return;
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  const scale = image ? SHOWN / Math.max(image.width, image.height) : 1;
  const toImage = (event: PointerEvent) => {
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: (event.clientX - box.left) / scale, y: (event.clientY - box.top) / scale };
  };
  const rect = side === 'A' ? state.rect : null;
  const predictions = state.predictions[side];
  return (
    <div className="live-input" data-testid={`live-${side}`}>
      <label htmlFor={`image-${side}`}>Input {side} image</label>{' '}
      <input
        id={`image-${side}`}
        type="file"
        accept="image/png,image/jpeg,image/webp,image/bmp,.npy"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          if (/\.npy$/i.test(f.name)) return void content.openTensor(side, { name: f.name, blob: f });
          void content.openImage(side, { name: f.name, blob: f });
        }}
      />
      {input && (
        <div className="live-row">
          {image ? (
            <div
              className={`image-frame${input.stale ? ' stale' : ''}`}
              style={{ width: image.width * scale, height: image.height * scale, position: 'relative', cursor: side === 'A' ? 'crosshair' : 'default' }}
              onPointerDown={(e) => {
                if (side !== 'A') return;
                (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
                const p = toImage(e);
                setDrag(p);
                store.setRect({ x: p.x, y: p.y, width: 0, height: 0 });
              }}
              onPointerMove={(e) => {
                if (!drag) return;
                const p = toImage(e);
                store.setRect({ x: Math.min(p.x, drag.x), y: Math.min(p.y, drag.y), width: Math.abs(p.x - drag.x), height: Math.abs(p.y - drag.y) });
              }}
              onPointerUp={() => setDrag(null)}
            >
              <canvas ref={canvas} role="img" aria-label={`Input ${side}: ${input.name}`} style={{ width: '100%', height: '100%', imageRendering: 'pixelated' }} />
              {rect && rect.width > 0 && (
                <div style={{ position: 'absolute', left: rect.x * scale, top: rect.y * scale, width: rect.width * scale, height: rect.height * scale, outline: '2px dashed #d40000' }} aria-hidden="true" />
              )}
            </div>
          ) : (
            <p className="hint">tensor input {input.name}</p>
          )}
          <div>
            <p className="hint">{input.name}{input.origin === 'demo' && <span className="tag">demo</span>}</p>
            {recipeText(input) && <p className="hint" data-testid={`recipe-${side}`}>{recipeText(input)}</p>}
            {input.stale && (
              <p className="error" role="alert" data-testid={`stale-${side}`}>
                <span className="tag">stale</span> {input.stale}; not in the views or the comparison.
              </p>
            )}
            {predictions && (
              <ol className="top5" aria-label={`Top 5 classes for ${side}`} data-testid={`top5-${side}`}>
                {predictions.map((p) => (
                  <li key={p.index}>
                    {p.label}: {(p.probability * 100).toFixed(1)} %
                  </li>
                ))}
              </ol>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
