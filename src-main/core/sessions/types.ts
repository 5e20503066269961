/**
 * Review sessions: what a reader did to one segmentation — edits, sign-off and an audit trail —
 * stored as plain JSON beside the model's original labelmap so it survives a crash. Plain data.
 */
import type { Geometry } from '../volume/Geometry.ts';
import type { RegionDice } from '../model/Manifest.ts';
import type { ContributionReadout } from '../contributions/contributions.ts';
import type { PreparationRecord } from '../prepare/types.ts';

/** Version of the on-disk session format. */
export const SESSION_SCHEMA_VERSION = 1;

/** Which model produced the labelmap under review. */
export interface SessionModelInfo {
  readonly name: string;
  readonly version: string;
  /** Execution provider that ran (e.g. "cpu"). */
  readonly provider: string;
  /** sha256 of the model graphs, when known. */
  readonly sha256?: string;
}

/** One reader edit. Stored as an operation so the labelmap can be rebuilt from the original. */
export type SessionEdit = RelabelComponentEdit | PaintSphereEdit | PaintStrokeEdit;

/** BraTS label a brush writes: 0 (erase), 1 (NCR), 2 (ED), 4 (ET). */
export type BrushLabel = 0 | 1 | 2 | 4;

/**
 * Plane a brush dab is limited to: a disc in the slice through the centre (axial: constant k,
 * sagittal: constant i, coronal: constant j), or null for a 3-D sphere.
 */
export type BrushPlaneName = 'axial' | 'sagittal' | 'coronal' | null;

/** One brush dab: voxels within `radiusMm` (in mm, with the grid spacing) of the centre. */
export interface PaintSphereEdit {
  readonly kind: 'paintSphere';
  /** Voxel index (i, j, k) of the dab centre. */
  readonly centerIjk: readonly [number, number, number];
  /** Radius in mm, 0.5–30. */
  readonly radiusMm: number;
  readonly label: BrushLabel;
  readonly plane: BrushPlaneName;
}

/** One mouse-drag brush stroke (1–2000 dabs): one edit, so one undo removes it all. */
export interface PaintStrokeEdit {
  readonly kind: 'paintStroke';
  readonly centersIjk: readonly (readonly [number, number, number])[];
  readonly radiusMm: number;
  readonly label: BrushLabel;
  readonly plane: BrushPlaneName;
}

/**
 * Relabel the 6-connected component of equal label that contains `seedIjk` (3-D flood fill) to
 * `toLabel`; `toLabel` 0 erases it.
 */
export interface RelabelComponentEdit {
  readonly kind: 'relabelComponent';
  /** Voxel index (i, j, k) in the labelmap grid. */
  readonly seedIjk: readonly [number, number, number];
  /** New label: 0 (erase), 1 (NCR), 2 (ED), 4 (ET). */
  readonly toLabel: 0 | 1 | 2 | 4;
}

/** An applied edit with who/when and what it changed. */
export interface SessionEditRecord {
  readonly edit: SessionEdit;
  readonly at: string;
  readonly reader: string;
  /** Label the component had before (relabel edits); null for brush edits (many labels). */
  readonly fromLabel: number | null;
  /** Voxels changed. */
  readonly voxels: number;
}

/** Audit trail actions. */
export type AuditAction =
  'created' | 'opened' | 'edit' | 'undo' | 'signOff' | 'reopened' | 'measurements';

/** Kinds of reader measurement (Cornerstone3D's Length and Bidirectional tools). */
export type MeasurementKind = 'length' | 'bidirectional';

/**
 * A reader measurement on the images: a length (two points) or a bidimensional RANO-style
 * measurement (four points: the longest diameter, then the longest perpendicular to it).
 */
export interface SessionMeasurement {
  /** The viewer's annotation id. */
  readonly id: string;
  readonly kind: MeasurementKind;
  /** End points in LPS mm: 2 for a length, 4 for a bidirectional (long axis, then short axis). */
  readonly pointsLps: readonly (readonly [number, number, number])[];
  /** Series it was drawn on, when known. */
  readonly seriesId?: string;
  /** View plane normal (LPS) it was drawn in. */
  readonly planeNormal?: readonly [number, number, number];
  /** Length in mm (the long axis of a bidirectional), computed from the points. */
  readonly lengthMm: number;
  /** Short axis in mm (bidirectional only). */
  readonly widthMm?: number;
}

/** One audit trail entry: who did what, when, on which model version. */
export interface AuditEntry {
  readonly at: string;
  readonly reader: string;
  readonly action: AuditAction;
  /** `<model name> <version>` the labelmap came from. */
  readonly modelVersion: string;
  /** Readable detail, e.g. "relabelled 1 234 voxels ED → NCR at (120, 98, 77)". */
  readonly detail: string;
}

/** Sign-off of a reviewed segmentation. */
export interface SignOff {
  readonly reader: string;
  readonly at: string;
}

/**
 * What the model's result said besides the labelmap, kept with the session so that a resumed
 * review shows the same warnings, expected accuracy and contributions, and so that the screen can
 * tell whether the study's current slot assignment still matches the inputs (issue 11).
 */
export interface SessionResultFacts {
  /** Series id per slot (flair, t1, t1ce, t2) the model was given; null: missing or not used. */
  readonly inputSeries: Readonly<Record<string, string | null>>;
  readonly warnings: readonly string[];
  /** The manifest's validation row for the sequences used (null: none for this combination). */
  readonly expectedAccuracy: {
    readonly modalities: readonly string[];
    readonly dice: RegionDice;
    readonly protocol: string;
    readonly cases: number;
  } | null;
  /** Contribution readout of the run, when it was computed. */
  readonly contributions?: ContributionReadout;
  /** The raw-study preparation the run did (issue 10), so a resumed review shows it too. */
  readonly preparation?: PreparationRecord;
}

/** The session file (session.json). */
export interface SessionRecord {
  readonly schemaVersion: typeof SESSION_SCHEMA_VERSION;
  readonly id: string;
  /** Study id and the path it was imported from (to find the session again). */
  readonly studyId: string;
  readonly sourcePath: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly model: SessionModelInfo;
  /** Sequences the model used, e.g. ["flair", "t1ce", "t2"]. */
  readonly sequencesUsed: readonly string[];
  /** Grid of the labelmap (the reference series' grid). */
  readonly geometry: Geometry;
  /** Series whose grid the labelmap is on. */
  readonly referenceSeriesId: string;
  readonly edits: readonly SessionEditRecord[];
  readonly signOff: SignOff | null;
  readonly audit: readonly AuditEntry[];
  /** The result's inputs, warnings and expected accuracy (absent in sessions made before issue 11). */
  readonly result?: SessionResultFacts;
  /** The reader's length and bidimensional measurements (absent: none yet). */
  readonly measurements?: readonly SessionMeasurement[];
}
