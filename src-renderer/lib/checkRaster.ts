/**
 * The pixels of the preparation check (issue 10), drawn over the reference pane: the brain-mask
 * outline and a co-registered series as checkerboard tiles or a flicker frame. Pure: the viewer
 * hands in where the pane's canvas lies in the world (one affine per render), this samples the
 * volumes on the reference's native grid pixel by pixel, so it follows every slice scroll, zoom,
 * pan and plane, and is unit-tested without a DOM or WebGL.
 *
 * The outline is extracted in screen space: a pixel is outline when it lies on either side of
 * the mask's boundary (its mask value differs from a 4-neighbour's), which gives a closed line
 * about two pixels wide at any zoom, never a fill.
 */

/** A grid as the api sends it (LPS, i fastest; see core/volume/Geometry.ts). */
export interface CheckGrid {
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly originLps: readonly [number, number, number];
  readonly directionLps: readonly (readonly [number, number, number])[];
}

/** Where a pane's canvas lies: world (LPS mm) of canvas point (0, 0) and per CSS pixel in x, y. */
export interface ScreenMap {
  readonly width: number;
  readonly height: number;
  readonly origin: readonly [number, number, number];
  readonly dx: readonly [number, number, number];
  readonly dy: readonly [number, number, number];
}

type V3 = [number, number, number];
const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Fractional voxel index of pixel (x, y)'s centre = at + x·perX + y·perY (linear in x, y). */
function indexMap(g: CheckGrid, s: ScreenMap): { at: V3; perX: V3; perY: V3 } {
  const c = [0, 1, 2].map((r) => s.origin[r] + 0.5 * s.dx[r] + 0.5 * s.dy[r]);
  const d = c.map((v, r) => v - g.originLps[r]);
  // Direction cosines are orthonormal: the inverse is the transpose.
  const f = (a: number, v: readonly number[]) => dot(g.directionLps[a], v) / g.spacing[a];
  return {
    at: [f(0, d), f(1, d), f(2, d)],
    perX: [f(0, s.dx), f(1, s.dx), f(2, s.dx)],
    perY: [f(0, s.dy), f(1, s.dy), f(2, s.dy)],
  };
}

/** The mask on the canvas (nearest voxel; 0 outside the grid). */
export function sampleMaskSlice(mask: ArrayLike<number>, g: CheckGrid, s: ScreenMap): Uint8Array {
  const { at, perX, perY } = indexMap(g, s);
  const [nx, ny, nz] = g.dims;
  const out = new Uint8Array(s.width * s.height);
  for (let y = 0, o = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++, o++) {
      const i = Math.round(at[0] + x * perX[0] + y * perY[0]);
      const j = Math.round(at[1] + x * perX[1] + y * perY[1]);
      const k = Math.round(at[2] + x * perX[2] + y * perY[2]);
      if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) continue;
      out[o] = mask[i + nx * (j + ny * k)] ? 1 : 0;
    }
  }
  return out;
}

/**
 * Pixels on either side of the boundary of `inside`: those whose value differs from one of their
 * 4-neighbours on the canvas. A mask cut by the canvas edge draws no line there (it is not a
 * boundary of the brain).
 */
export function outlineOf(inside: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o++) {
      const v = inside[o];
      if (
        (x > 0 && inside[o - 1] !== v) ||
        (x < width - 1 && inside[o + 1] !== v) ||
        (y > 0 && inside[o - width] !== v) ||
        (y < height - 1 && inside[o + width] !== v)
      ) {
        out[o] = 1;
      }
    }
  }
  return out;
}

/** A volume on the canvas (trilinear; NaN outside the grid). */
export function sampleVolumeSlice(
  data: ArrayLike<number>,
  g: CheckGrid,
  s: ScreenMap,
): Float32Array {
  const { at, perX, perY } = indexMap(g, s);
  const [nx, ny, nz] = g.dims;
  const out = new Float32Array(s.width * s.height).fill(Number.NaN);
  const slab = nx * ny;
  for (let y = 0, o = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++, o++) {
      const fi = at[0] + x * perX[0] + y * perY[0];
      const fj = at[1] + x * perX[1] + y * perY[1];
      const fk = at[2] + x * perX[2] + y * perY[2];
      if (fi < -0.5 || fj < -0.5 || fk < -0.5 || fi > nx - 0.5 || fj > ny - 0.5 || fk > nz - 0.5) {
        continue;
      }
      // Clamp to the grid (half a voxel beyond the edge takes the edge value).
      const ci = Math.min(Math.max(fi, 0), nx - 1);
      const cj = Math.min(Math.max(fj, 0), ny - 1);
      const ck = Math.min(Math.max(fk, 0), nz - 1);
      const i0 = Math.min(Math.floor(ci), nx - 2 < 0 ? 0 : nx - 2);
      const j0 = Math.min(Math.floor(cj), ny - 2 < 0 ? 0 : ny - 2);
      const k0 = Math.min(Math.floor(ck), nz - 2 < 0 ? 0 : nz - 2);
      const a = ci - i0;
      const b = cj - j0;
      const c = ck - k0;
      const i1 = Math.min(i0 + 1, nx - 1) - i0;
      const j1 = (Math.min(j0 + 1, ny - 1) - j0) * nx;
      const k1 = (Math.min(k0 + 1, nz - 1) - k0) * slab;
      const p = i0 + nx * j0 + slab * k0;
      const v00 = data[p] * (1 - a) + data[p + i1] * a;
      const v10 = data[p + j1] * (1 - a) + data[p + j1 + i1] * a;
      const v01 = data[p + k1] * (1 - a) + data[p + k1 + i1] * a;
      const v11 = data[p + k1 + j1] * (1 - a) + data[p + k1 + j1 + i1] * a;
      out[o] = (v00 * (1 - b) + v10 * b) * (1 - c) + (v01 * (1 - b) + v11 * b) * c;
    }
  }
  return out;
}

/**
 * Checkerboard tiles anchored to the anatomy (world mm along the canvas's x and y), so the tiles
 * stay put under pan and zoom: 1 where the co-registered series shows, 0 where the reference does.
 */
export function checkerTiles(s: ScreenMap, tileMm: number): Uint8Array {
  const nx = Math.hypot(s.dx[0], s.dx[1], s.dx[2]) || 1;
  const ny = Math.hypot(s.dy[0], s.dy[1], s.dy[2]) || 1;
  const ex = s.dx.map((v) => v / nx);
  const ey = s.dy.map((v) => v / ny);
  const u0 = dot(s.origin, ex);
  const v0 = dot(s.origin, ey);
  const out = new Uint8Array(s.width * s.height);
  const t = Math.max(tileMm, 1e-3);
  const col = Array.from({ length: s.width }, (_, x) => Math.floor((u0 + (x + 0.5) * nx) / t));
  for (let y = 0, o = 0; y < s.height; y++) {
    const row = Math.floor((v0 + (y + 0.5) * ny) / t);
    for (let x = 0; x < s.width; x++, o++) out[o] = (col[x] + row) & 1;
  }
  return out;
}

/** Colour of the brain-mask outline: magenta, unlike every tumour label (orange, blue, yellow). */
export const BRAIN_OUTLINE_RGB: readonly [number, number, number] = [255, 0, 255];

/** What to paint over the reference pane. */
export interface CheckPaint {
  readonly width: number;
  readonly height: number;
  /** Outline pixels (1) of the brain mask, or null. */
  readonly outline: Uint8Array | null;
  /** The co-registered series on the canvas (NaN outside its grid), or null. */
  readonly registered: Float32Array | null;
  /** Its display window. */
  readonly window: { readonly center: number; readonly width: number };
  /** Where it shows: 1 per pixel (checkerboard tiles); null: everywhere (a flicker frame). */
  readonly tiles: Uint8Array | null;
}

/** RGBA pixels: the series in grey where it shows, the outline on top, transparent elsewhere. */
export function paintCheck(p: CheckPaint): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(p.width * p.height * 4);
  const lo = p.window.center - p.window.width / 2;
  const scale = 255 / Math.max(p.window.width, 1e-6);
  for (let o = 0; o < p.width * p.height; o++) {
    const q = o * 4;
    if (p.outline?.[o]) {
      out[q] = BRAIN_OUTLINE_RGB[0];
      out[q + 1] = BRAIN_OUTLINE_RGB[1];
      out[q + 2] = BRAIN_OUTLINE_RGB[2];
      out[q + 3] = 255;
      continue;
    }
    if (!p.registered || (p.tiles && !p.tiles[o])) continue;
    const v = p.registered[o];
    const grey = Number.isNaN(v) ? 0 : (v - lo) * scale;
    out[q] = grey;
    out[q + 1] = grey;
    out[q + 2] = grey;
    out[q + 3] = 255;
  }
  return out;
}
