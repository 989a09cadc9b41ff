// What the page shows, and who asked for it. Every way content reaches the page goes through here:
// the demo (opened by the page itself or by "Load the demo model"), "Load the example", and the
// user's models, images, tensors and activation files (picked or dropped), and Remove. The rules:
//
// - The newest action wins (`Latest`): an earlier load still pending is aborted, and its result is
//   dropped when it arrives (the model store releases its session).
// - The demo and the example are defaults, not content: they fill the page only while the user has
//   loaded nothing. The user's model, images or files replace them, with a notice. An image picked
//   while the demo's model loads keeps that model (it runs through it); anything else dismisses
//   the demo whole.
// - A pane shows one source: a live model's feature maps or activation files. The newest choice
//   replaces the other, with a notice (a file pooled with a model's maps is rarely what a user means).
// - Derived state follows its source: a B made from A is re-made or marked stale when A changes
//   (the model store).
// Plain TypeScript: the App calls it, React reads the stores.

import type { ModelStore } from './modelStore';
import { SIDES, type SideName, type Workspace } from './workspace';
import { IMAGE_FILE, decodeImage } from '../io/decodeImage';
import { Latest } from './latest';
import type { RgbaImage } from '../model/preprocess';
import { setName } from './setName';

export { setName };

/** Where the demo digit's strokes are partly covered for B (28 x 28 image pixels). */
export const DEMO_OCCLUSION = { x: 13, y: 3, width: 12, height: 11 };

const LABELS_FILE = /\.txt$/i;
const MODEL_FILE = /\.onnx$/i;

type NamedBlob = { name: string; blob: Blob };

export class PageContent {
  /** The demo's or the example's load, superseded by any user action. */
  private readonly defaults = new Latest();
  /** The demo's inputs (after its model): superseded by an image as well. */
  private readonly demoInputs = new Latest();
  /** The newest image of a side wins (a large image may decode after a smaller one picked later). */
  private readonly images: Record<SideName, Latest> = { A: new Latest(), B: new Latest() };
  private notify: (message: string | null) => void = () => {};

  constructor(
    private readonly model: ModelStore,
    private readonly workspace: Workspace,
    /** The app's base URL (the demo's and the example's files are served under it). */
    private readonly base: string,
    private readonly decode: (blob: Blob, name: string) => Promise<RgbaImage> = decodeImage,
  ) {}

  /** Where the one-line notices of this class go (the page shows them above the panes). */
  onNotice(notify: (message: string | null) => void): void {
    this.notify = notify;
  }

  private async fetchOk(path: string, signal: AbortSignal): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, { signal });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response;
  }

  /**
   * The demo: the final checkpoint, a held-out digit as A and the same digit partly occluded as B.
   * Resolves true when it has filled the page, false when a user action superseded it (or it failed,
   * which the model panel reports).
   */
  async openDemo(options: { byUser?: boolean; digit?: number } = {}): Promise<boolean> {
    this.images.A.abort();
    this.images.B.abort();
    const signal = this.defaults.begin();
    const inputs = this.demoInputs.begin(signal);
    try {
      const manifest = await (await this.fetchOk('demo/manifest.json', signal)).json();
      const modelBlob = await (await this.fetchOk(`demo/${manifest.final}`, signal)).blob();
      if (signal.aborted) return false;
      if (options.byUser) this.dismissExample();
      const labels = Array.isArray(manifest.labels) ? manifest.labels.map(String) : undefined;
      const loaded = await this.model.loadModel([{ name: manifest.final, blob: modelBlob }], { labels, origin: 'demo', signal });
      if (!loaded || inputs.aborted) return false;
      const name = `digit${options.digit ?? 3}.png`;
      const image = await this.decode(await (await this.fetchOk(`samples/${name}`, inputs)).blob(), name);
      if (inputs.aborted) return false;
      this.takePaneForModel('A');
      this.takePaneForModel('B');
      this.model.setImage('A', name, image, 'demo');
      this.model.setRect(DEMO_OCCLUSION);
      await this.model.makeB('occlude', { origin: 'demo' });
      return !inputs.aborted;
    } catch (error) {
      if (!signal.aborted && !inputs.aborted) this.model.reportError(`The demo could not be loaded: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * A saved session is about to be restored (the browser's, or a session file): it takes the place
   * of the demo and the example as they load, and any action of the user's supersedes it (the
   * returned signal aborts) until it has been put back.
   */
  beginRestore(): AbortSignal {
    this.images.A.abort();
    this.images.B.abort();
    const signal = this.defaults.begin();
    return this.demoInputs.begin(signal);
  }

  /** "Load the example": a small random CNN's activations on a drawn figure (A) and the figure occluded (B). */
  async openExample(): Promise<string | null> {
    const signal = this.defaults.begin();
    this.demoInputs.abort();
    try {
      const files: Array<[SideName, NamedBlob]> = [];
      for (const [side, name] of [['A', 'figure_a.npz'], ['B', 'figure_b.npz']] as const) {
        files.push([side, { name, blob: await (await this.fetchOk(`examples/${name}`, signal)).blob() }]);
      }
      if (signal.aborted) return null;
      await this.dismissDemo('The example replaces the demo');
      for (const [side, file] of files) {
        this.clearLive(side);
        await this.workspace.addFiles(side, [file], 'auto', { origin: 'example', signal });
      }
      return null;
    } catch (error) {
      return signal.aborted ? null : `The example could not be loaded: ${(error as Error).message}`;
    }
  }

  /** A user action: whatever default is still loading stops. */
  private userAction(): void {
    this.defaults.abort();
  }

  /** The user's model (with its external-data files); labels dropped with it are for it. */
  async openModel(files: NamedBlob[], labelFiles: NamedBlob[] = []): Promise<void> {
    this.userAction();
    const loaded = await this.model.loadModel(files, { origin: 'user' });
    if (loaded) this.dismissExample();
    for (const f of labelFiles) await this.model.loadLabels(f);
  }

  /** An image for a side's model input (picked or dropped). The newest image of the side wins. */
  async openImage(side: SideName, file: NamedBlob): Promise<void> {
    // The demo's model may go on loading (the image runs through it); its own inputs may not.
    this.demoInputs.abort();
    const signal = this.images[side].begin();
    let image: RgbaImage;
    try {
      image = await this.decode(file.blob, file.name);
    } catch (error) {
      if (!signal.aborted) this.model.reportError((error as Error).message);
      return;
    }
    if (signal.aborted) return;
    this.takePaneForModel(side);
    this.model.setImage(side, file.name, image);
    if (!this.model.state.model && !this.model.state.loading) this.notify(`${file.name} is kept as ${side}'s model input: load a model (or the demo) to see its feature maps`);
  }

  /**
   * Images for a side's set of inputs (several picked, or a dropped folder's): decoded in name order
   * (numbers in names compared as numbers, so that two sets pair by index), each as one input. A
   * file that cannot be decoded is left out and named in the message; the rest is the set. One
   * image is a single input, as openImage. The newest set or image of a side wins.
   */
  async openImages(side: SideName, files: NamedBlob[]): Promise<void> {
    if (files.length === 1) return this.openImage(side, files[0]);
    if (files.length === 0) return;
    this.demoInputs.abort();
    const signal = this.images[side].begin();
    const sorted = [...files].sort((x, y) => x.name.localeCompare(y.name, 'en', { numeric: true }));
    const decoded: Array<{ name: string; image: RgbaImage }> = [];
    const failed: string[] = [];
    for (const file of sorted) {
      try {
        decoded.push({ name: file.name, image: await this.decode(file.blob, file.name) });
      } catch (error) {
        failed.push((error as Error).message);
      }
      if (signal.aborted) return;
    }
    const skipped = failed.length ? `${failed.length} of ${files.length} files left out: ${failed.slice(0, 3).join('; ')}${failed.length > 3 ? `; and ${failed.length - 3} more` : ''}` : null;
    if (decoded.length === 0) {
      this.model.reportError(`No image could be decoded for ${side}: ${failed.slice(0, 3).join('; ')}${failed.length > 3 ? `; and ${failed.length - 3} more` : ''}`);
      return;
    }
    this.takePaneForModel(side);
    const name = setName(decoded.map((d) => d.name));
    if (decoded.length === 1) this.model.setImage(side, decoded[0].name, decoded[0].image);
    else void this.model.setImages(side, name, decoded);
    const notices = [skipped ? `${side}: ${skipped}` : null];
    if (!this.model.state.model && !this.model.state.loading) notices.push(`${name} ${decoded.length === 1 ? 'is' : 'are'} kept as ${side}'s model input${decoded.length === 1 ? '' : 's'}: load a model (or the demo) to see their feature maps`);
    if (notices.some(Boolean)) this.notify(notices.filter(Boolean).join('; '));
  }

  /** A .npy tensor of the model's input shape for a side (the input picker). */
  async openTensor(side: SideName, file: NamedBlob): Promise<void> {
    this.demoInputs.abort();
    this.images[side].abort();
    if (await this.model.setTensorFile(side, file)) this.takePaneForModel(side);
  }

  /** The user's activation files for a pane: they replace the pane's live feature maps and any default. */
  async openActivations(side: SideName, files: NamedBlob[]): Promise<void> {
    this.userAction();
    this.demoInputs.abort();
    this.images[side].abort();
    const added = await this.workspace.addFiles(side, files);
    if (!added.length) return;
    await this.giveWayTo(side, added.map((f) => f.name).join(', '), added.length, []);
  }

  /**
   * Files (`what`, `count` of them) have taken a pane: the example and the demo give way, and so do
   * the side's live feature maps (a pane shows one source); one notice says what was replaced.
   */
  private async giveWayTo(side: SideName, what: string, count: number, notices: string[]): Promise<void> {
    const example = this.dismissExample();
    if (example) notices.push(example);
    const demo = await this.dismissDemo(null);
    if (demo) notices.push(demo);
    const live = this.model.state.inputs[side];
    if (live) {
      notices.push(`Pane ${side}: ${what} replace${count === 1 ? 's' : ''} the live feature maps of ${live.name}`);
      this.images[side].abort();
      this.model.clearInput(side);
    }
    this.notify(notices.join('; ') || null);
  }

  /**
   * A results JSON for a pane ("Open results": srop, srop run, srop merge): its layers join the
   * pane's, done, without activations; it replaces the pane's live feature maps and any default.
   */
  async openResults(side: SideName, file: NamedBlob): Promise<void> {
    this.userAction();
    this.demoInputs.abort();
    this.images[side].abort();
    const added = await this.workspace.addResults(side, file);
    if (!added) return;
    const opened = `Pane ${side}: ${file.name} (${added.results!.origin}, ${added.layers.length} layer${added.layers.length === 1 ? '' : 's'}) opened as results: SROPs at kappa ${added.results!.params.kappa}, no feature maps or energy curves`;
    await this.giveWayTo(side, file.name, 1, [opened]);
  }

  /**
   * Files dropped on a pane: a model (with external data and labels), labels, images or .npy
   * tensors for the loaded model, or activation files.
   */
  async drop(side: SideName, files: NamedBlob[]): Promise<void> {
    if (files.some((f) => MODEL_FILE.test(f.name))) {
      const labels = files.filter((f) => LABELS_FILE.test(f.name));
      return this.openModel(files.filter((f) => !IMAGE_FILE.test(f.name) && !LABELS_FILE.test(f.name)), labels);
    }
    const activations: NamedBlob[] = [];
    // Images dropped together (several files, or a folder's) are one set of inputs.
    const images = files.filter((f) => IMAGE_FILE.test(f.name) || f.blob.type.startsWith('image/'));
    if (images.length) await this.openImages(side, images);
    for (const f of files) {
      if (images.includes(f)) continue;
      else if (LABELS_FILE.test(f.name)) await this.model.loadLabels(f);
      else if (/\.npy$/i.test(f.name) && this.model.state.model) {
        // The model's input when its shape fits (as the input pickers take it), else activations.
        this.demoInputs.abort();
        if ((await this.model.takeDroppedTensor(side, f)) === 'activations') activations.push(f);
        else this.takePaneForModel(side);
      } else activations.push(f);
    }
    if (activations.length) await this.openActivations(side, activations);
  }

  /** Remove on a pane's file: live feature maps take the side's input with them. */
  remove(side: SideName, fileId: number): void {
    this.userAction();
    const file = this.workspace.state.panes[side].files.find((f) => f.id === fileId);
    if (!file) return;
    if (file.blob === null) {
      this.images[side].abort();
      this.model.clearInput(side);
    } else this.workspace.removeFile(side, fileId);
  }

  /** A side's input goes to the model: the pane's activation files give way to its feature maps. */
  private takePaneForModel(side: SideName): void {
    const removed = this.workspace.removeFiles(side, (f) => f.blob !== null);
    const own = removed.filter((f) => f.origin === 'user');
    if (own.length) this.notify(`Pane ${side}: the live feature maps replace ${own.map((f) => f.name).join(', ')}`);
  }

  private clearLive(side: SideName): void {
    if (this.model.state.inputs[side]) this.model.clearInput(side);
  }

  /** Removes the example's files from both panes; says so when there were any. */
  private dismissExample(): string | null {
    const removed = SIDES.flatMap((side) => this.workspace.removeFiles(side, (f) => f.origin === 'example'));
    return removed.length ? 'the example was removed' : null;
  }

  /**
   * Removes the demo's content: its inputs (and their feature maps), and its model unless the user
   * has put an input of their own through it.
   */
  private async dismissDemo(notice: string | null): Promise<string | null> {
    const s = this.model.state;
    const demoSides = SIDES.filter((side) => s.inputs[side]?.origin === 'demo');
    for (const side of demoSides) this.model.clearInput(side);
    const userInputs = SIDES.some((side) => this.model.state.inputs[side]?.origin === 'user');
    if (s.model?.origin === 'demo' && !userInputs) {
      await this.model.unload('demo', notice);
      return notice ?? 'the demo was removed';
    }
    return demoSides.length ? notice ?? 'the demo was removed' : null;
  }
}
