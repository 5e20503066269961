/**
 * The reader's brush: paint (or erase) a sphere, or a disc in one slice, around voxel centres —
 * pure functions on a labelmap. Radii are in millimetres and measured with the grid's spacing, so
 * a brush dab is round on screen even on anisotropic grids (e.g. 0.9 × 0.9 × 5 mm).
 */
import { ErrorCode, MetaKdError } from '../errors.ts';
import type { Geometry, Vec3 } from '../volume/Geometry.ts';
import type { BrushLabel, BrushPlaneName } from './types.ts';

/** Smallest and largest brush radius in mm (the contract enforces the same range). */
export const BRUSH_RADIUS_MM = { min: 0.5, max: 30 } as const;
/** Most dab centres in one stroke: keeps one edit (and the session file) bounded. */
export const MAX_STROKE_CENTRES = 2000;

/** Which voxel axis stays fixed for a planar dab. */
const FIXED_AXIS: Readonly<Record<Exclude<BrushPlaneName, null>, 0 | 1 | 2>> = {
  sagittal: 0,
  coronal: 1,
  axial: 2,
};

/** A brush: radius, label written (0 erases) and plane. */
export interface Brush {
  readonly radiusMm: number;
  readonly label: BrushLabel;
  readonly plane: BrushPlaneName;
}

function checkBrush(brush: Brush): void {
  const r = brush.radiusMm;
  if (!Number.isFinite(r) || r < BRUSH_RADIUS_MM.min || r > BRUSH_RADIUS_MM.max) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `Brush radius ${r} mm is outside ${BRUSH_RADIUS_MM.min}–${BRUSH_RADIUS_MM.max} mm.`,
    );
  }
}

function checkCentre(dims: Vec3, c: readonly number[]): Vec3 {
  const r = c.map(Math.round) as unknown as Vec3;
  if (r.length !== 3 || r.some((v, a) => !Number.isFinite(v) || v < 0 || v >= dims[a])) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `Voxel (${c.join(', ')}) is outside the labelmap grid ${dims.join('×')}.`,
    );
  }
  return r;
}

/**
 * Writes `brush.label` into every voxel whose centre lies within `radiusMm` of `centerIjk` (in mm,
 * using the spacing; a planar brush keeps the fixed axis at the centre's slice), in place.
 * Returns how many voxels changed. Throws INVALID_ARGUMENT for a centre outside the grid or a
 * radius out of range.
 */
export function paintSphere(
  labels: Uint8Array,
  geometry: Geometry,
  centerIjk: readonly number[],
  brush: Brush,
): number {
  checkBrush(brush);
  return paintDab(labels, geometry, checkCentre(geometry.dims, centerIjk), brush);
}

/**
 * Paints one dab per centre (a mouse-drag stroke), in place; each voxel is counted once even when
 * dabs overlap. Returns the number of voxels changed. At most MAX_STROKE_CENTRES centres.
 */
export function paintStroke(
  labels: Uint8Array,
  geometry: Geometry,
  centersIjk: readonly (readonly number[])[],
  brush: Brush,
): number {
  checkBrush(brush);
  if (centersIjk.length === 0 || centersIjk.length > MAX_STROKE_CENTRES) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `A brush stroke needs 1–${MAX_STROKE_CENTRES} centres, not ${centersIjk.length}.`,
    );
  }
  const centres = centersIjk.map((c) => checkCentre(geometry.dims, c));
  let changed = 0;
  // Dabs are painted one after the other: a voxel set by an earlier dab already holds the label,
  // so a later dab does not count it again.
  for (const c of centres) changed += paintDab(labels, geometry, c, brush);
  return changed;
}

/** Paints one dab around a validated integer centre. */
function paintDab(labels: Uint8Array, geometry: Geometry, c: Vec3, brush: Brush): number {
  const [nx, ny, nz] = geometry.dims;
  const [sx, sy, sz] = geometry.spacing;
  const fixed = brush.plane ? FIXED_AXIS[brush.plane] : -1;
  const r = brush.radiusMm;
  // Half-extent in voxels along each axis (0 along the fixed axis of a planar brush).
  const half = [sx, sy, sz].map((s, a) => (a === fixed ? 0 : Math.floor(r / s)));
  const r2 = r * r;
  const value = brush.label;
  const plane = nx * ny;
  let changed = 0;
  const k0 = Math.max(0, c[2] - half[2]);
  const k1 = Math.min(nz - 1, c[2] + half[2]);
  const j0 = Math.max(0, c[1] - half[1]);
  const j1 = Math.min(ny - 1, c[1] + half[1]);
  const i0 = Math.max(0, c[0] - half[0]);
  const i1 = Math.min(nx - 1, c[0] + half[0]);
  for (let k = k0; k <= k1; k++) {
    const dz2 = ((k - c[2]) * sz) ** 2;
    for (let j = j0; j <= j1; j++) {
      const dyz2 = dz2 + ((j - c[1]) * sy) ** 2;
      if (dyz2 > r2) continue;
      const row = nx * j + plane * k;
      for (let i = i0; i <= i1; i++) {
        if (dyz2 + ((i - c[0]) * sx) ** 2 > r2) continue;
        const v = row + i;
        if (labels[v] !== value) {
          labels[v] = value;
          changed++;
        }
      }
    }
  }
  return changed;
}
