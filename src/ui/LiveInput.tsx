// The top of a pane when a model is loaded: the side's input images (file picker "Input A images":
// one PNG, JPEG, WebP or BMP image or many, or a .npy of the model's input shape, one input or a
// batch [N, C, H, W]); the shown input at the model's input size (on A a rectangle can be drawn for
// "Occlude"); a set's count and a strip of thumbnails (a click shows that input here, in the layer
// and channel views, and its top-5); and the model's top-5 classes for the shown input.
import { useEffect, useRef, useState, type PointerEvent } from 'react';
import type { InputItem, ModelState, ModelStore, SideInput } from '../session/modelStore';
import type { RgbaImage } from '../model/preprocess';
import type { SideName } from '../session/workspace';
import type { PageContent } from '../session/pageContent';

const SHOWN = 168;
/** Thumbnails shown before "+N". */
const THUMBS = 8;
const THUMB = 36;

function drawInto(canvas: HTMLCanvasElement | null, image: RgbaImage | null): void {
  if (!canvas || !image) return;
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

function Thumbnail({ side, item, index, chosen, onShow }: { side: SideName; item: InputItem; index: number; chosen: boolean; onShow: (index: number) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => drawInto(canvas.current, item.image), [item.image]);
  return (
    <button type="button" className={`thumb${chosen ? ' chosen' : ''}`} aria-pressed={chosen} aria-label={`Show ${side}'s input ${index}: ${item.name}`} title={`${index}: ${item.name}`} onClick={() => onShow(index)}>
      {item.image ? <canvas ref={canvas} style={{ width: THUMB, height: THUMB, imageRendering: 'pixelated' }} /> : <span className="hint">{index}</span>}
    </button>
  );
}

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

export function LiveInput({ side, store, content, state, shown, onShow }: {
  side: SideName;
  store: ModelStore;
  content: PageContent;
  state: ModelState;
  /** The input of the set the pane shows (its batch item), or null for the pooled set (the first is drawn). */
  shown: number | null;
  onShow: (index: number) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const input = state.inputs[side];
  const [drag, setDrag] = useState<{ x: number; y: number } | null>(null);
  const count = input?.items.length ?? 0;
  const at = shown !== null && shown < count ? shown : 0;
  const item = input?.items[at] ?? null;
  const image = item?.image ?? null;
  useEffect(() => drawInto(canvas.current, image), [image]);
  const scale = image ? SHOWN / Math.max(image.width, image.height) : 1;
  const toImage = (event: PointerEvent) => {
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: (event.clientX - box.left) / scale, y: (event.clientY - box.top) / scale };
  };
  const onImage = image && (!state.rectOn || (state.rectOn.width === image.width && state.rectOn.height === image.height));
  const rect = side === 'A' && onImage ? state.rect : null;
  const predictions = count > 1 ? state.perInput[side]?.[at] ?? null : state.predictions[side];
  const on = image ? { width: image.width, height: image.height } : null;
  return (
    <div className="live-input" data-testid={`live-${side}`}>
      <label htmlFor={`image-${side}`}>Input {side} images</label>{' '}
      <input
        id={`image-${side}`}
        type="file"
        multiple
        accept="image/png,image/jpeg,image/webp,image/bmp,.npy"
        onChange={async (e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (!files.length) return;
          if (files.length === 1 && /\.npy$/i.test(files[0].name)) return void content.openTensor(side, { name: files[0].name, blob: files[0] });
          void content.openImages(side, files.map((f) => ({ name: f.name, blob: f })));
        }}
      />
      <span className="hint"> one or many (or drop a folder on the pane; a <code>.npy</code> batch N×C×H×W)</span>
      {count > 1 && (
        <div className="thumbs" data-testid={`set-${side}`}>
          <span className="hint" data-testid={`set-count-${side}`}>{count} inputs; showing {at}{shown === null ? ' (views: all pooled)' : ''}:</span>{' '}
          {input!.items.slice(0, THUMBS).map((it, i) => <Thumbnail key={i} side={side} item={it} index={i} chosen={shown === i} onShow={onShow} />)}
          {count > THUMBS && <span className="hint more" title="choose any input with the batch item selector below">+{count - THUMBS}</span>}
        </div>
      )}
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
                store.setRect({ x: p.x, y: p.y, width: 0, height: 0 }, on);
              }}
              onPointerMove={(e) => {
                if (!drag) return;
                const p = toImage(e);
                store.setRect({ x: Math.min(p.x, drag.x), y: Math.min(p.y, drag.y), width: Math.abs(p.x - drag.x), height: Math.abs(p.y - drag.y) }, on);
              }}
              onPointerUp={() => setDrag(null)}
            >
              <canvas ref={canvas} role="img" aria-label={`Input ${side}: ${item!.name}`} style={{ width: '100%', height: '100%', imageRendering: 'pixelated' }} />
              {rect && rect.width > 0 && (
                <div style={{ position: 'absolute', left: rect.x * scale, top: rect.y * scale, width: rect.width * scale, height: rect.height * scale, outline: '2px dashed #d40000' }} aria-hidden="true" />
              )}
            </div>
          ) : (
            <p className="hint">tensor input {item?.name}</p>
          )}
          <div>
            <p className="hint">{count > 1 ? <>{item?.name} <span className="hint">({at + 1} of {input.name})</span></> : input.name}{input.origin === 'demo' && <span className="tag">demo</span>}</p>
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
