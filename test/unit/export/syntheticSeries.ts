/**
 * Test fixture made in code: a small single-frame MR series written with dcmjs (STYLE.md §6: build
 * synthetic DICOM in code, do not commit files), plus a labelmap with the three tumour labels.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { voxelToLps, type Geometry } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';
import { newUid, writeDicomPart10 } from '../../../src-main/core/export/seg/dcmjsSeg.ts';
import type { SegSourceSeries } from '../../../src-main/core/export/seg/sourceSeries.ts';

/** MR Image Storage. */
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';

/** An oblique-ish small grid: 20 columns × 16 rows × 12 slices. */
export const SMALL_GEOMETRY: Geometry = {
  dims: [20, 16, 12],
  spacing: [0.9, 0.8, 2.5],
  originLps: [-10.5, -22.25, 30],
  directionLps: [
    [1, 0, 0],
    [0, Math.cos(0.2), -Math.sin(0.2)],
    [0, Math.sin(0.2), Math.cos(0.2)],
  ],
};

/** What writeSyntheticSeries returns. */
export interface SyntheticSeries extends SegSourceSeries {
  readonly files: string[];
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly FrameOfReferenceUID: string;
}

/** Writes a single-frame MR series on `geometry` into `dir`; file order is shuffled on purpose. */
export function writeSyntheticSeries(
  dir: string,
  geometry: Geometry = SMALL_GEOMETRY,
): SyntheticSeries {
  mkdirSync(dir, { recursive: true });
  const StudyInstanceUID = newUid();
  const SeriesInstanceUID = newUid();
  const FrameOfReferenceUID = newUid();
  const [cols, rows, slices] = geometry.dims;
  const instances = [];
  const files = [];
  for (let k = 0; k < slices; k++) {
    const SOPInstanceUID = newUid();
    const pixels = new Uint16Array(cols * rows).map((_, p) => (p * 7 + k * 13) % 1000);
    const ds = {
      SpecificCharacterSet: 'ISO_IR 100',
      SOPClassUID: MR_IMAGE_STORAGE,
      SOPInstanceUID,
      PatientName: 'Synthetic^Test',
      PatientID: 'SYN-0001',
      PatientBirthDate: '19700101',
      PatientSex: 'O',
      StudyInstanceUID,
      StudyDate: '20240314',
      StudyTime: '101500',
      ReferringPhysicianName: '',
      StudyID: '1',
      AccessionNumber: 'ACC1',
      StudyDescription: 'MR BRAIN',
      Modality: 'MR',
      Manufacturer: 'Synthetic',
      SeriesInstanceUID,
      SeriesNumber: 3,
      SeriesDescription: 'AX T1 POST',
      FrameOfReferenceUID,
      PositionReferenceIndicator: '',
      InstanceNumber: slices - k,
      ImageType: ['ORIGINAL', 'PRIMARY', 'M'],
      ScanningSequence: 'SE',
      SequenceVariant: 'NONE',
      ScanOptions: '',
      MRAcquisitionType: '2D',
      EchoTime: 12,
      RepetitionTime: 500,
      EchoTrainLength: 1,
      SliceThickness: geometry.spacing[2],
      ImagePositionPatient: voxelToLps(geometry, [0, 0, k]).map((v) => Number(v.toFixed(6))),
      ImageOrientationPatient: [...geometry.directionLps[0], ...geometry.directionLps[1]].map((v) =>
        Number(v.toFixed(6)),
      ),
      PixelSpacing: [geometry.spacing[1], geometry.spacing[0]],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: rows,
      Columns: cols,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      PixelData: [pixels.buffer],
    };
    // Reverse order on disk so that readers must sort by position, not by name.
    const file = path.join(dir, `IM${String(slices - k).padStart(4, '0')}.dcm`);
    writeFileSync(file, writeDicomPart10(ds, { PixelData: 'OW' }));
    instances.push({ SOPInstanceUID, SOPClassUID: MR_IMAGE_STORAGE, file });
    files.push(file);
  }
  return { geometry, instances, files, StudyInstanceUID, SeriesInstanceUID, FrameOfReferenceUID };
}

/** A labelmap on `geometry`: an edema shell, a necrotic core and an enhancing rim, plus stray voxels. */
export function syntheticLabels(geometry: Geometry = SMALL_GEOMETRY): Volume {
  const [nx, ny, nz] = geometry.dims;
  const data = new Uint8Array(nx * ny * nz);
  const c = [nx / 2, ny / 2, nz / 2];
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const r = Math.hypot((i - c[0]) / 6, (j - c[1]) / 5, (k - c[2]) / 3);
        const o = i + nx * (j + ny * k);
        if (r < 0.4) data[o] = 1;
        else if (r < 0.7) data[o] = 4;
        else if (r < 1) data[o] = 2;
      }
    }
  }
  data[0] = 2; // a lone voxel in the first slice's corner
  return { geometry, data };
}
