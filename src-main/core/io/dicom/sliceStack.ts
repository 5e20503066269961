/**
 * Slice stacking: splits the frames of one DICOM series into stackable groups (same size,
 * orientation and echo), orders each group along its slice normal, drops repeated positions and
 * derives the LPS Geometry, reporting gaps and non-uniform spacing. Pure functions.
 */
import type { Geometry, Vec3 } from '../../volume/Geometry.ts';
import type { DicomInstance, FrameInfo } from './readInstance.ts';

/** One 2-D frame of a series: the file it lives in and its frame facts. */
export interface Slice {
  readonly inst: DicomInstance;
  readonly frame: FrameInfo;
}

/** A group of slices that stack into one volume. */
export interface SliceGroup {
  readonly slices: readonly Slice[];
}

/** Largest difference between direction cosines still called "the same orientation". */
const ORIENTATION_TOLERANCE = 1e-3;
/** Positions closer than this (mm) are the same slice position. */
const SAME_POSITION_MM = 1e-3;
/** Spacing deviations up to this fraction of the median are not reported. */
const SPACING_RELATIVE_TOLERANCE = 0.02;
/**
 * …nor up to this many mm: scanners round positions to 0.1 mm (the GE sample's steps alternate
 * 6.9/7.0 mm), which is not a real spacing change.
 */
const SPACING_ABSOLUTE_TOLERANCE_MM = 0.1;
/** A step larger than this multiple of the median is a gap (missing slices). */
const GAP_FACTOR = 1.5;
/**
 * In-plane drift of slice positions per slice (mm) above which the stack is sheared (gantry tilt).
 * Rounded positions drift a few µm per slice; a real tilt drifts tenths of a mm.
 */
const SHEAR_TOLERANCE_MM = 0.01;

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
const unit = (a: Vec3): Vec3 => {
  const n = norm(a) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
};
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Fixed number formatting for messages. */
const mm = (v: number): string => `${Number(v.toFixed(3))} mm`;

function sameOrientation(a: FrameInfo, b: FrameInfo): boolean {
  const p = a.ImageOrientationPatient;
  const q = b.ImageOrientationPatient;
  if (!p || !q) return p === q;
  for (let i = 0; i < p.length; i++)
    if (!(Math.abs(p[i] - q[i]) <= ORIENTATION_TOLERANCE)) return false;
  return true;
}

function echoKey(s: Slice): string {
  const n = s.frame.EchoNumbers ?? s.inst.header.EchoNumbers;
  const te = s.frame.EchoTime ?? s.inst.header.EchoTime;
  return n !== undefined ? `#${n}` : te !== undefined ? `TE${te}` : '';
}

const sizeKey = (s: Slice): string => `${s.inst.pixelFormat.Columns}x${s.inst.pixelFormat.Rows}`;

/**
 * Splits a series into groups of equal size, orientation and echo. Returns the groups (in order
 * of first appearance) and the reasons when there is more than one.
 */
export function splitSeries(slices: readonly Slice[]): { groups: SliceGroup[]; reasons: string[] } {
  // Each group's keys are those of its first slice, worked out once (this runs per slice).
  const found: { size: string; echo: string; first: FrameInfo; slices: Slice[] }[] = [];
  for (const s of slices) {
    const size = sizeKey(s);
    const echo = echoKey(s);
    let g: Slice[] | undefined;
    for (const c of found) {
      if (c.size === size && c.echo === echo && sameOrientation(c.first, s.frame)) {
        g = c.slices;
        break;
      }
    }
    if (g) g.push(s);
    else found.push({ size, echo, first: s.frame, slices: [s] });
  }
  const groups = found.map((c) => c.slices);
  const reasons: string[] = [];
  if (groups.length > 1) {
    const firsts = groups.map((g) => g[0]);
    const distinct = (f: (s: Slice) => string): number => new Set(firsts.map(f)).size;
    if (distinct(sizeKey) > 1)
      reasons.push(`sizes (${[...new Set(firsts.map(sizeKey))].join(', ')})`);
    if (distinct(echoKey) > 1)
      reasons.push(`echoes (${[...new Set(firsts.map(echoKey))].join(', ')})`);
    const oris = firsts.map((s) =>
      (s.frame.ImageOrientationPatient ?? []).map((v) => v.toFixed(3)).join('\\'),
    );
    if (new Set(oris).size > 1) reasons.push(`orientations (${[...new Set(oris)].join('; ')})`);
  }
  return { groups: groups.map((g) => ({ slices: g })), reasons };
}

/** A group ordered along its normal with its geometry and notes. */
export interface StackedGroup {
  readonly slices: readonly Slice[];
  readonly geometry: Geometry;
  readonly warnings: string[];
}

/** Orientation (row, column, normal) of a group, identity when the header has none. */
function axes(first: FrameInfo): { row: Vec3; col: Vec3; normal: Vec3; assumed: boolean } {
  const o = first.ImageOrientationPatient;
  if (!o) return { row: [1, 0, 0], col: [0, 1, 0], normal: [0, 0, 1], assumed: true };
  const row = unit([o[0], o[1], o[2]]);
  const col = unit([o[3], o[4], o[5]]);
  return { row, col, normal: unit(cross(row, col)), assumed: false };
}

/** Order key for slices without positions: InstanceNumber, then frame index. */
const instanceOrder = (a: Slice, b: Slice): number =>
  (a.inst.InstanceNumber ?? 0) - (b.inst.InstanceNumber ?? 0) ||
  a.frame.frameIndex - b.frame.frameIndex;

/** Describes steps that differ from the median: gaps (missing slices) and non-uniform spacing. */
function spacingWarnings(steps: readonly number[], med: number): string[] {
  const tol = Math.max(SPACING_ABSOLUTE_TOLERANCE_MM, SPACING_RELATIVE_TOLERANCE * med);
  const odd = steps.map((d, i) => ({ d, i })).filter(({ d }) => Math.abs(d - med) > tol);
  if (odd.length === 0) return [];
  const gaps = odd.filter(({ d }) => d > GAP_FACTOR * med);
  const out: string[] = [];
  if (gaps.length > 0) {
    const list = gaps.map(
      ({ d, i }) => `${mm(d)} after slice ${i + 1} (≈${Math.round(d / med) - 1} missing)`,
    );
    out.push(`gap in slice positions: ${list.join('; ')}; median spacing ${mm(med)}.`);
  }
  if (odd.length > gaps.length) {
    const ds = steps;
    out.push(
      `non-uniform slice spacing: steps from ${mm(Math.min(...ds))} to ${mm(Math.max(...ds))}, median ${mm(med)}; the volume uses the median.`,
    );
  }
  return out;
}

/**
 * Orders a group along its slice normal and derives its Geometry (LPS). Repeated positions keep
 * the first slice; a sheared stack (gantry tilt) takes the actual step direction as its k axis.
 */
export function stackGroup(group: SliceGroup): StackedGroup {
  const warnings: string[] = [];
  const first = group.slices[0];
  const fmt = first.inst.pixelFormat;
  const { row, col, normal, assumed } = axes(first.frame);
  if (assumed) warnings.push('no ImageOrientationPatient: assumed axial orientation.');
  const ps = first.frame.PixelSpacing;
  if (!ps) warnings.push('no PixelSpacing: assumed 1 mm pixels.');
  const withPos = group.slices.every((s) => s.frame.ImagePositionPatient);
  let ordered: Slice[];
  if (withPos) {
    const at = (s: Slice): number => dot(s.frame.ImagePositionPatient as Vec3, normal);
    ordered = [...group.slices].sort((a, b) => at(a) - at(b) || instanceOrder(a, b));
    const kept: Slice[] = [];
    for (const s of ordered) {
      if (kept.length && Math.abs(at(s) - at(kept[kept.length - 1])) < SAME_POSITION_MM) continue;
      kept.push(s);
    }
    if (kept.length < ordered.length) {
      warnings.push(
        `${ordered.length - kept.length} of ${ordered.length} slices repeat a position (e.g. a time series); kept the first at each position.`,
      );
    }
    ordered = kept;
  } else {
    warnings.push('no ImagePositionPatient: slices ordered by InstanceNumber, origin at 0.');
    ordered = [...group.slices].sort(instanceOrder);
  }
  const pos = ordered.map((s) => s.frame.ImagePositionPatient ?? ([0, 0, 0] as Vec3));
  let dirK = normal;
  let spacingK = first.inst.SpacingBetweenSlices ?? first.frame.SliceThickness ?? 1;
  if (withPos && ordered.length > 1) {
    const steps = pos.slice(1).map((p, i) => norm(sub(p, pos[i])));
    const total = sub(pos[pos.length - 1], pos[0]);
    const med = median(steps);
    const spacingNotes = spacingWarnings(steps, med);
    warnings.push(...spacingNotes);
    // Uniform stack: the mean step (first to last) cancels the 0.1-mm rounding of positions that
    // makes single steps alternate (6.9/7.0 mm in the GE sample); otherwise the median step.
    spacingK = spacingNotes.length === 0 ? norm(total) / (ordered.length - 1) : med;
    const along = dot(total, normal);
    const drift = norm(sub(total, [normal[0] * along, normal[1] * along, normal[2] * along]));
    if (drift / (ordered.length - 1) > SHEAR_TOLERANCE_MM) {
      dirK = unit(total);
      warnings.push(
        `slice positions drift ${mm(drift)} off the slice normal (gantry tilt?): the k axis follows the positions.`,
      );
    }
  }
  const geometry: Geometry = {
    dims: [fmt.Columns, fmt.Rows, ordered.length],
    spacing: [ps ? ps[1] : 1, ps ? ps[0] : 1, spacingK > 0 ? spacingK : 1],
    originLps: pos[0],
    directionLps: [row, col, dirK],
  };
  return { slices: ordered, geometry, warnings };
}
