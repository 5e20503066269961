/**
 * The reader's controls of the review screen (STYLE.md §8, a reactive class): layout and panes,
 * overlay display, editing tools, run settings and the preferences remembered on this computer,
 * plus the requests the panels send to the viewer (jump, reset, window preset) and the lesions it
 * reports back. View state only: nothing here calls the api. AppState extends it with the study,
 * the segmentation job and the review session.
 */
import type { Lesion } from './lesions.ts';
import type { PrepModeView } from './preparationView.ts';
import type { GridGeometry, WindowPreset } from './viewGeometry.ts';
import { SLOTS, type Slot } from './viewTypes.ts';

/** Layout of the viewer. */
export type Layout = 'grid' | 'mpr';

/** Opacity step of the [ and ] keys. */
const OPACITY_STEP = 0.1;
/** Brush radius range (mm; the contract's limits) and the step of the - and = keys. */
export const BRUSH_RADIUS_MM = { min: 0.5, max: 30, step: 0.5 } as const;
/** localStorage key of the reader's name. */
const READER_KEY = 'metakd.reader';
/** localStorage key of the name-masking setting. */
const MASK_NAME_KEY = 'metakd.maskName';

/** A request from the panels to the viewer (ViewerPane carries it out; `seq` makes each new). */
export type ViewRequest =
  | { readonly kind: 'jump'; readonly world: readonly [number, number, number] }
  | { readonly kind: 'reset' }
  | { readonly kind: 'preset'; readonly preset: WindowPreset };

/** A request with its sequence number. */
export type ViewCommand = ViewRequest & { readonly seq: number };

/** View settings, tools and preferences of the review screen. */
export class ReviewControls {
  layout = $state<Layout>('grid');
  activeSlot = $state<Slot>('flair');
  provider = $state('auto');
  /** Raw-study preparation mode for the next run (issue 10): auto, off, force. */
  prepMode = $state<PrepModeView>('auto');
  providers = $state.raw<readonly string[]>(['auto']);
  overlayVisible = $state(true);
  opacity = $state(0.5);
  outlineOnly = $state(false);
  labelVisible = $state<Record<number, boolean>>({ 1: true, 2: true, 4: true });
  editMode = $state(false);
  editLabel = $state<0 | 1 | 2 | 4>(1);
  /** Brush tool (B; E for the eraser): drags paint `brushLabel` on the viewport's plane. */
  brushMode = $state(false);
  brushLabel = $state<0 | 1 | 2 | 4>(2);
  brushRadiusMm = $state(3);
  helpOpen = $state(false);
  /**
   * Series shown in a grid pane instead of its slot's series (view only: the model's inputs do not
   * change). Set from the series browser (click, or drag onto a pane).
   */
  paneSeries = $state<Partial<Record<Slot, string>>>({});
  /** Mask the patient's name in the header line (remembered on this computer). */
  maskName = $state(localStorage.getItem(MASK_NAME_KEY) !== 'false');
  reader = $state(localStorage.getItem(READER_KEY) ?? '');
  /** The painting label B goes back to after the eraser (E). */
  protected lastPaintLabel: 1 | 2 | 4 = 2;
  #viewCommand = $state.raw<ViewCommand | null>(null);
  #lesions = $state.raw<readonly Lesion[]>([]);
  #lesionGeometry: GridGeometry | null = null;
  #seq = 0;

  /** The latest request to the viewer (jump, reset, window preset). */
  get viewCommand() {
    return this.#viewCommand;
  }
  /** Connected tumour components of the labelmap on screen, largest first. */
  get lesions() {
    return this.#lesions;
  }
  /** Series shown in the active pane when it is not the slot's own. */
  get viewSeriesId(): string | null {
    return this.paneSeries[this.activeSlot] ?? null;
  }

  /** Puts the pane back to its slot's series. */
  clearPaneSeries(pane: Slot): void {
    const next = { ...this.paneSeries };
    delete next[pane];
    this.paneSeries = next;
  }

  /** Remembers the name-masking setting. */
  setMaskName(mask: boolean): void {
    this.maskName = mask;
    localStorage.setItem(MASK_NAME_KEY, String(mask));
  }

  /** Sends a request to the viewer. */
  protected command(c: ViewRequest): void {
    this.#viewCommand = { ...c, seq: ++this.#seq };
  }

  /** Resets zoom, pan and window of every pane (the slice goes to the largest lesion, if any). */
  resetView(): void {
    this.command({ kind: 'reset' });
  }

  /** Applies a window preset to every pane. */
  windowPreset(preset: WindowPreset): void {
    this.command({ kind: 'preset', preset });
  }

  /** Called by the viewer with the lesions of the labelmap it shows (and that labelmap's grid). */
  setLesions(lesions: readonly Lesion[], geometry: GridGeometry | null): void {
    this.#lesions = lesions;
    this.#lesionGeometry = geometry;
  }

  /** Moves every pane to the centre of a lesion (1-based rank). */
  jumpToLesion(rank: number): void {
    const l = this.#lesions.find((x) => x.rank === rank);
    const g = this.#lesionGeometry;
    if (!l || !g) return;
    const w: [number, number, number] = [g.originLps[0], g.originLps[1], g.originLps[2]];
    for (let a = 0; a < 3; a++)
      for (let c = 0; c < 3; c++) w[c] += l.centreIjk[a] * g.spacing[a] * g.directionLps[a][c];
    this.command({ kind: 'jump', world: w });
  }

  /** The reader's name for the audit trail (remembered on this computer). */
  readerName(): string {
    const name = this.reader.trim() || 'unnamed reader';
    localStorage.setItem(READER_KEY, this.reader.trim());
    return name;
  }

  /** Remembers the painting label so B after E goes back to it. */
  setBrushLabel(label: 0 | 1 | 2 | 4): void {
    this.brushLabel = label;
    if (label !== 0) this.lastPaintLabel = label;
  }

  /** Changes the brush radius by one step (the - and = keys). */
  changeBrushRadius(sign: 1 | -1): void {
    const r = this.brushRadiusMm + sign * BRUSH_RADIUS_MM.step;
    this.brushRadiusMm = Math.min(BRUSH_RADIUS_MM.max, Math.max(BRUSH_RADIUS_MM.min, r));
  }

  /** Chooses the sequence shown in MPR and highlighted in the grid (1–4). */
  chooseSlot(index: number): void {
    const slot = SLOTS[index];
    if (slot) this.activeSlot = slot;
  }

  changeOpacity(sign: 1 | -1): void {
    const v = Math.round((this.opacity + sign * OPACITY_STEP) * 10) / 10;
    this.opacity = Math.min(1, Math.max(0, v));
  }
}
