/**
 * The tumour labels the app exports, their coded terms and their display colours — defined once
 * here. Pure data plus a colour conversion.
 *
 * The renderer's overlay must use `LABELS[].rgb` (via the api) so that what the reader sees matches
 * the RecommendedDisplayCIELabValue written into every DICOM SEG. Colours come from the Okabe–Ito
 * palette, which stays distinguishable under the common colour-vision deficiencies
 * (Okabe & Ito 2008, "Color Universal Design").
 *
 * Coded terms (DICOM PS3.16):
 * - Category for all three: SCT 49755003 "Morphologically Altered Structure" (CID 7150
 *   Segmentation Property Categories).
 * - Necrotic / non-enhancing core (BraTS 1): SCT 6574001 "Necrosis" (CID 7168 Brain Lesion
 *   Segmentation Type With Necrosis; its note says the same concept covers non-enhancing tumour).
 * - Edema (BraTS 2): SCT 79654002 "Edema" (CID 7169 Brain Lesion Segmentation Type Without Necrosis).
 * - Enhancing tumour (BraTS 4): NCIt C113842 "Enhancing Lesion" (CID 7169).
 */

/** A coded concept as DICOM code sequences carry it. */
export interface CodedConcept {
  /** CodeValue (0008,0100). */
  readonly CodeValue: string;
  /** CodingSchemeDesignator (0008,0102). */
  readonly CodingSchemeDesignator: string;
  /** CodeMeaning (0008,0104). */
  readonly CodeMeaning: string;
}

/** One exported tumour label. */
export interface TumourLabel {
  /** Voxel value in the labelmap (BraTS convention). */
  readonly value: 1 | 2 | 4;
  /** Short key used in files and the api. */
  readonly key: 'NCR' | 'ED' | 'ET';
  /** SegmentLabel written to DICOM SEG. */
  readonly name: string;
  /** SegmentedPropertyCategoryCodeSequence item. */
  readonly category: CodedConcept;
  /** SegmentedPropertyTypeCodeSequence item. */
  readonly type: CodedConcept;
  /** Display colour, sRGB 0–255. */
  readonly rgb: readonly [number, number, number];
}

/** SCT 49755003, the segmentation category of every tumour label. */
export const MORPHOLOGICALLY_ALTERED_STRUCTURE: CodedConcept = {
  CodeValue: '49755003',
  CodingSchemeDesignator: 'SCT',
  CodeMeaning: 'Morphologically Altered Structure',
};

/** The exported labels, in SegmentNumber order. */
export const LABELS: readonly TumourLabel[] = [
  {
    value: 1,
    key: 'NCR',
    name: 'Necrotic tumour core',
    category: MORPHOLOGICALLY_ALTERED_STRUCTURE,
    type: { CodeValue: '6574001', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Necrosis' },
    rgb: [213, 94, 0], // Okabe–Ito vermillion
  },
  {
    value: 2,
    key: 'ED',
    name: 'Edema',
    category: MORPHOLOGICALLY_ALTERED_STRUCTURE,
    type: { CodeValue: '79654002', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Edema' },
    rgb: [86, 180, 233], // Okabe–Ito sky blue
  },
  {
    value: 4,
    key: 'ET',
    name: 'Enhancing tumour',
    category: MORPHOLOGICALLY_ALTERED_STRUCTURE,
    type: { CodeValue: 'C113842', CodingSchemeDesignator: 'NCIt', CodeMeaning: 'Enhancing Lesion' },
    rgb: [240, 228, 66], // Okabe–Ito yellow
  },
];

/** The label for a voxel value, or undefined. */
export function labelByValue(value: number): TumourLabel | undefined {
  return LABELS.find((l) => l.value === value);
}

/** The label whose SegmentedPropertyTypeCode matches (scheme and value), or undefined. */
export function labelByTypeCode(code: {
  CodeValue?: string;
  CodingSchemeDesignator?: string;
}): TumourLabel | undefined {
  return LABELS.find(
    (l) =>
      l.type.CodeValue === code.CodeValue &&
      l.type.CodingSchemeDesignator === code.CodingSchemeDesignator,
  );
}

// D65 reference white (CIE 1931 2°), as DICOM's CIELab values assume (PS3.3 C.10.7.1.1).
const WHITE_D65 = [0.95047, 1.0, 1.08883] as const;
const DICOM_LAB_MAX = 0xffff;
const LAB_AB_OFFSET = 128;
const LAB_AB_RANGE = 255;
const LAB_L_RANGE = 100;

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function labF(t: number): number {
  const delta = 6 / 29;
  return t > delta ** 3 ? Math.cbrt(t) : t / (3 * delta * delta) + 4 / 29;
}

/** sRGB (0–255) → CIELab (L 0–100, a/b about −128…127), D65. */
export function rgbToLab(rgb: readonly [number, number, number]): [number, number, number] {
  const [r, g, b] = rgb.map(srgbToLinear);
  const x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = 0.0193339 * r + 0.119192 * g + 0.9503041 * b;
  const fx = labF(x / WHITE_D65[0]);
  const fy = labF(y / WHITE_D65[1]);
  const fz = labF(z / WHITE_D65[2]);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/**
 * sRGB → the scaled unsigned CIELab triplet of RecommendedDisplayCIELabValue (PS3.3 C.10.7.1.1:
 * L 0–100 and a/b −128…127 mapped linearly onto 0–65535).
 */
export function rgbToDicomLab(rgb: readonly [number, number, number]): [number, number, number] {
  const [l, a, b] = rgbToLab(rgb);
  const clamp = (v: number): number => Math.min(DICOM_LAB_MAX, Math.max(0, Math.round(v)));
  return [
    clamp((l * DICOM_LAB_MAX) / LAB_L_RANGE),
    clamp(((a + LAB_AB_OFFSET) * DICOM_LAB_MAX) / LAB_AB_RANGE),
    clamp(((b + LAB_AB_OFFSET) * DICOM_LAB_MAX) / LAB_AB_RANGE),
  ];
}
