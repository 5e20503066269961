/**
 * The brush in the viewer: turns a mouse drag into the voxel centres of one `paintStroke` edit
 * and paints a local preview into the Cornerstone labelmap so the stroke shows at once. The
 * session (core/sessions/paintSphere.ts) stays the source of truth: after the edit the labelmap is
 * reloaded from it. The preview uses the same rule — voxel centres within the radius in mm, using
 * the grid spacing, in the slice of the fixed axis for a planar brush.
 */
import { cache, type Types } from '@cornerstonejs/core';
import { worldToIndex, type GeometryInput } from './volumes.ts';

/** Plane names by fixed voxel axis: constant i is sagittal, constant j coronal, constant k axial. */
export const PLANE_OF_AXIS = ['sagittal', 'coronal', 'axial'] as const;
/** The contract's cap on dabs per stroke. */
export const MAX_STROKE_CENTRES = 2000;
/** Dabs are placed at most this fraction of the radius apart, so a fast drag leaves no gaps. */
const DAB_STEP_OF_RADIUS = 0.5;

type Ijk = [number, number, number];

/** The voxel axis most aligned with a viewport's view-plane normal (the one a disc keeps fixed). */
export function fixedAxisFor(g: GeometryInput, normal: readonly number[]): 0 | 1 | 2 {
  let best: 0 | 1 | 2 = 2;
  let bestDot = -1;
  for (const a of [0, 1, 2] as const) {
    const d = g.directionLps[a];
    const dot = Math.abs(d[0] * normal[0] + d[1] * normal[1] + d[2] * normal[2]);
    if (dot > bestDot) [best, bestDot] = [a, dot];
  }
  return best;
}

/** Calls `visit(voxelIndex)` for every in-grid voxel of one dab. */
function forEachDabVoxel(
  g: GeometryInput,
  c: Ijk,
  radiusMm: number,
  fixedAxis: number,
  visit: (index: number) => void,
): void {
  const [nx, ny] = g.dims;
  const half = g.spacing.map((s, a) => (a === fixedAxis ? 0 : Math.floor(radiusMm / s)));
  const lo = c.map((v, a) => Math.max(0, v - half[a]));
  const hi = c.map((v, a) => Math.min(g.dims[a] - 1, v + half[a]));
  const r2 = radiusMm * radiusMm;
  for (let k = lo[2]; k <= hi[2]; k++) {
    const dz2 = ((k - c[2]) * g.spacing[2]) ** 2;
    for (let j = lo[1]; j <= hi[1]; j++) {
      const dyz2 = dz2 + ((j - c[1]) * g.spacing[1]) ** 2;
      for (let i = lo[0]; i <= hi[0]; i++) {
        if (dyz2 + ((i - c[0]) * g.spacing[0]) ** 2 <= r2) visit(i + nx * (j + ny * k));
      }
    }
  }
}

/** One mouse drag of the brush: its dab centres and the local preview. */
export class BrushStroke {
  readonly #g: GeometryInput;
  readonly #radiusMm: number;
  readonly #label: number;
  readonly #fixedAxis: 0 | 1 | 2;
  readonly #labelmapVolumeId: string | null;
  readonly #centres: Ijk[] = [];
  /** Fractional index of the last pointer position (interpolation starts there). */
  #last: Ijk | null = null;

  constructor(
    g: GeometryInput,
    brush: { radiusMm: number; label: number },
    normal: readonly number[],
    labelmapVolumeId: string | null,
  ) {
    this.#g = g;
    this.#radiusMm = brush.radiusMm;
    this.#label = brush.label;
    this.#fixedAxis = fixedAxisFor(g, normal);
    this.#labelmapVolumeId = labelmapVolumeId;
  }

  /** The plane name the session stores for this stroke. */
  get plane(): (typeof PLANE_OF_AXIS)[number] {
    return PLANE_OF_AXIS[this.#fixedAxis];
  }

  /** Dab centres so far (integer voxel indices, consecutive duplicates dropped). */
  get centres(): readonly Ijk[] {
    return this.#centres;
  }

  /**
   * Adds the pointer's LPS position: dabs along the way from the previous one (every half radius),
   * painted into the preview. Returns true when the preview changed.
   */
  addPoint(world: readonly number[]): boolean {
    const p = worldToIndex(this.#g, world);
    const from = this.#last ?? p;
    this.#last = p;
    const stepMm = Math.max(this.#radiusMm * DAB_STEP_OF_RADIUS, Math.min(...this.#g.spacing));
    const lengthMm = Math.hypot(...p.map((v, a) => (v - from[a]) * this.#g.spacing[a]));
    const steps = Math.max(1, Math.ceil(lengthMm / stepMm));
    let changed = false;
    for (let s = this.#centres.length ? 1 : 0; s <= steps; s++) {
      const t = s / steps;
      const c = from.map((v, a) => Math.round(v + (p[a] - v) * t)) as Ijk;
      if (c.some((v, a) => v < 0 || v >= this.#g.dims[a])) continue;
      const prev = this.#centres.at(-1);
      if (prev && prev.every((v, a) => v === c[a])) continue;
      if (this.#centres.length >= MAX_STROKE_CENTRES) return changed;
      this.#centres.push(c);
      changed = this.#preview(c) || changed;
    }
    return changed;
  }

  /** Paints one dab into the Cornerstone labelmap (feedback only). */
  #preview(c: Ijk): boolean {
    const volume = this.#labelmapVolumeId ? cache.getVolume(this.#labelmapVolumeId) : null;
    const vm = volume?.voxelManager as Types.IVoxelManager<number> | undefined;
    if (!vm) return false;
    let changed = false;
    forEachDabVoxel(this.#g, c, this.#radiusMm, this.#fixedAxis, (index) => {
      if (vm.getAtIndex(index) !== this.#label) {
        vm.setAtIndex(index, this.#label);
        changed = true;
      }
    });
    return changed;
  }
}
