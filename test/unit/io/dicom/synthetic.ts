/**
 * Builds small synthetic DICOM files in code for unit tests (STYLE.md §6: fixtures made in code,
 * not committed). Uses the project's Explicit VR LE writer; each slice's pixel values encode its
 * position so tests can check ordering.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  encodePart10,
  formatDS,
  newUid,
  type DicomElement,
} from '../../../../src-main/core/io/dicom/writeDicom.ts';

/** MR Image Storage. */
export const MR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.4';

/** What one synthetic slice looks like. */
export interface SliceSpec {
  readonly study?: string;
  readonly series: string;
  readonly rows?: number;
  readonly cols?: number;
  readonly ipp?: readonly [number, number, number];
  readonly iop?: readonly number[];
  readonly pixelSpacing?: readonly [number, number];
  readonly instanceNumber?: number;
  readonly echoNumber?: number;
  readonly slope?: number;
  readonly intercept?: number;
  readonly description?: string;
  /** Pixel values (rows·cols Int16); default: every pixel = instanceNumber·10 + column. */
  readonly pixels?: Int16Array;
  /** Extra elements. */
  readonly extra?: readonly DicomElement[];
}

export const el = (
  group: number,
  element: number,
  vr: DicomElement['vr'],
  value: DicomElement['value'],
): DicomElement => ({ tag: [group, element], vr, value });

/** Default pixel pattern: value = instanceNumber·10 + column index. */
export function patternPixels(rows: number, cols: number, n: number): Int16Array {
  const px = new Int16Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) px[r * cols + c] = n * 10 + c;
  return px;
}

/** Encodes one MR slice as a Part 10 file. */
export function sliceBytes(s: SliceSpec): Buffer {
  const rows = s.rows ?? 4;
  const cols = s.cols ?? 5;
  const n = s.instanceNumber ?? 1;
  const px = s.pixels ?? patternPixels(rows, cols, n);
  const uid = newUid();
  const elements: DicomElement[] = [
    el(0x0008, 0x0008, 'CS', ['ORIGINAL', 'PRIMARY']),
    el(0x0008, 0x0016, 'UI', MR_SOP_CLASS),
    el(0x0008, 0x0018, 'UI', uid),
    el(0x0008, 0x0060, 'CS', 'MR'),
    el(0x0008, 0x103e, 'LO', s.description ?? 'AX T2'),
    el(0x0010, 0x0010, 'PN', 'SECRET^PATIENT'),
    el(0x0010, 0x0020, 'LO', 'SECRET-ID-123'),
    el(0x0020, 0x000d, 'UI', s.study ?? '1.2.3.4'),
    el(0x0020, 0x000e, 'UI', s.series),
    el(0x0020, 0x0011, 'IS', '3'),
    el(0x0020, 0x0013, 'IS', String(n)),
    el(0x0028, 0x0002, 'US', [1]),
    el(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    el(0x0028, 0x0010, 'US', [rows]),
    el(0x0028, 0x0011, 'US', [cols]),
    el(0x0028, 0x0100, 'US', [16]),
    el(0x0028, 0x0101, 'US', [16]),
    el(0x0028, 0x0102, 'US', [15]),
    el(0x0028, 0x0103, 'US', [1]),
    el(0x7fe0, 0x0010, 'OW', new Uint8Array(px.buffer, px.byteOffset, px.byteLength)),
    ...(s.extra ?? []),
  ];
  if (s.ipp) elements.push(el(0x0020, 0x0032, 'DS', s.ipp.map(formatDS)));
  const iop = s.iop ?? [1, 0, 0, 0, 1, 0];
  elements.push(el(0x0020, 0x0037, 'DS', iop.map(formatDS)));
  const ps = s.pixelSpacing ?? [0.5, 0.8];
  elements.push(el(0x0028, 0x0030, 'DS', ps.map(formatDS)));
  if (s.echoNumber !== undefined) elements.push(el(0x0018, 0x0086, 'IS', String(s.echoNumber)));
  if (s.slope !== undefined) elements.push(el(0x0028, 0x1053, 'DS', formatDS(s.slope)));
  if (s.intercept !== undefined) elements.push(el(0x0028, 0x1052, 'DS', formatDS(s.intercept)));
  return encodePart10(elements, { SOPClassUID: MR_SOP_CLASS, SOPInstanceUID: uid });
}

/** Writes slices as dir/<name>.dcm files. */
export async function writeSlices(
  dir: string,
  slices: readonly (SliceSpec & { name: string })[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const s of slices) await writeFile(path.join(dir, `${s.name}.dcm`), sliceBytes(s));
}

/** An enhanced MR multi-frame file: 3 frames, per-frame positions, shared orientation/spacing. */
export function enhancedBytes(): Buffer {
  const rows = 3;
  const cols = 2;
  const frames = 3;
  const px = new Int16Array(rows * cols * frames).map(
    (_, i) => Math.floor(i / (rows * cols)) * 100 + (i % (rows * cols)),
  );
  const zOf = [4, 0, 2]; // frames stored out of spatial order
  const shared = [
    el(0x0020, 0x9116, 'SQ', [[el(0x0020, 0x0037, 'DS', ['1', '0', '0', '0', '1', '0'])]]),
    el(0x0028, 0x9110, 'SQ', [
      [el(0x0028, 0x0030, 'DS', ['0.7', '0.9']), el(0x0018, 0x0050, 'DS', '2')],
    ]),
    el(0x0028, 0x9145, 'SQ', [[el(0x0028, 0x1052, 'DS', '0'), el(0x0028, 0x1053, 'DS', '1')]]),
    el(0x0018, 0x9112, 'SQ', [[el(0x0018, 0x0080, 'DS', '5000')]]),
  ];
  const perFrame = zOf.map((z) => [
    el(0x0020, 0x9113, 'SQ', [[el(0x0020, 0x0032, 'DS', ['1', '2', formatDS(z)])]]),
  ]);
  const uid = '1.2.3.4.5.6.1';
  const elements = [
    el(0x0008, 0x0008, 'CS', ['ORIGINAL', 'PRIMARY', 'M_SE', 'NONE']),
    el(0x0008, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.4.1'),
    el(0x0008, 0x0018, 'UI', uid),
    el(0x0008, 0x103e, 'LO', 'sT2W_TSE'),
    el(0x0020, 0x000d, 'UI', '1.2.3.4.5'),
    el(0x0020, 0x000e, 'UI', '1.2.3.4.5.6'),
    el(0x0028, 0x0002, 'US', [1]),
    el(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    el(0x0028, 0x0008, 'IS', String(frames)),
    el(0x0028, 0x0010, 'US', [rows]),
    el(0x0028, 0x0011, 'US', [cols]),
    el(0x0028, 0x0100, 'US', [16]),
    el(0x0028, 0x0101, 'US', [12]),
    el(0x0028, 0x0102, 'US', [11]),
    el(0x0028, 0x0103, 'US', [1]),
    el(0x5200, 0x9229, 'SQ', [shared]),
    el(0x5200, 0x9230, 'SQ', perFrame),
    el(0x7fe0, 0x0010, 'OW', new Uint8Array(px.buffer)),
  ];
  return encodePart10(elements, {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.4.1',
    SOPInstanceUID: uid,
  });
}
