/**
 * Tumour label names and display colours for the overlay. COPY of the values in
 * src-main/core/export/labelColours.ts (`LABELS`), which the renderer may not import (STYLE.md §1).
 * They must stay equal so the overlay matches the DICOM SEG's RecommendedDisplayCIELabValue;
 * test/unit/renderer/labelColours.test.ts compares both. Okabe–Ito colours: distinguishable under
 * the common colour-vision deficiencies; every label is also named in text wherever it is shown.
 */

/** One tumour label as the viewer shows it. */
export interface TumourLabelDisplay {
  /** Voxel value (BraTS). */
  readonly value: 1 | 2 | 4;
  /** Short key. */
  readonly key: 'NCR' | 'ED' | 'ET';
  /** Name shown to the reader. */
  readonly name: string;
  /** sRGB 0–255. */
  readonly rgb: readonly [number, number, number];
}

/** The three labels in SegmentNumber order. */
export const TUMOUR_LABELS: readonly TumourLabelDisplay[] = [
  { value: 1, key: 'NCR', name: 'Necrotic tumour core', rgb: [213, 94, 0] },
  { value: 2, key: 'ED', name: 'Edema', rgb: [86, 180, 233] },
  { value: 4, key: 'ET', name: 'Enhancing tumour', rgb: [240, 228, 66] },
];

/** CSS colour of a label. */
export function labelCss(value: number): string {
  const l = TUMOUR_LABELS.find((x) => x.value === value);
  return l ? `rgb(${l.rgb[0]} ${l.rgb[1]} ${l.rgb[2]})` : 'transparent';
}
