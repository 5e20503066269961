/**
 * Modules of a derived object that come from its source or from the app: Patient, General Study,
 * Patient Study, Enhanced General Equipment, and DICOM date/time formatting. Pure functions.
 */
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import type { Provenance } from '../provenance.ts';
import type { DicomDataset } from './dcmjsSeg.ts';

/** Attributes copied from the source image when present (Patient, General Study, Patient Study). */
const COPIED = [
  'SpecificCharacterSet',
  // Patient module (PS3.3 C.7.1.1)
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'OtherPatientIDsSequence',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'DeidentificationMethodCodeSequence',
  'EthnicGroup',
  // General Study module (C.7.2.1)
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'IssuerOfAccessionNumberSequence',
  'StudyDescription',
  // Patient Study module (C.7.2.2)
  'PatientAge',
  'PatientSize',
  'PatientWeight',
  // Clinical Trial Subject/Study (C.7.1.3, C.7.2.3), kept so research studies stay linked
  'ClinicalTrialSponsorName',
  'ClinicalTrialProtocolID',
  'ClinicalTrialProtocolName',
  'ClinicalTrialSiteID',
  'ClinicalTrialSiteName',
  'ClinicalTrialSubjectID',
  'ClinicalTrialSubjectReadingID',
  'ClinicalTrialTimePointID',
] as const;

/** Type 2 attributes that must be present (empty if unknown) in a conformant object. */
const TYPE2 = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
] as const;

/** The Patient, General Study and Patient Study attributes of `source`, Type 2 ones always present. */
export function copySourceModules(source: DicomDataset): DicomDataset {
  const out: DicomDataset = {};
  for (const k of COPIED) if (source[k] !== undefined) out[k] = source[k];
  for (const k of TYPE2) if (out[k] === undefined) out[k] = '';
  return out;
}

/** DICOM DA and TM strings for a moment (local time, as scanners write them). */
export function dicomDateTime(d: Date): { date: string; time: string } {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return {
    date: `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`,
    time: `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`,
  };
}

/** Manufacturer written into every object we create. */
export const MANUFACTURER = 'MetaKD Review';

/**
 * Enhanced General Equipment (PS3.3 C.7.5.2, all Type 1 in a SEG). DeviceSerialNumber identifies
 * the installation without revealing the host name: a short hash of it.
 */
export function equipmentModule(appVersion: string, p: Provenance): DicomDataset {
  const serial = createHash('sha256').update(hostname()).digest('hex').slice(0, 12).toUpperCase();
  const sha = p.modelSha256 ? ` sha256 ${p.modelSha256.slice(0, 12)}` : '';
  return {
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: 'MetaKD Review',
    DeviceSerialNumber: serial,
    // LO values are at most 64 characters: the model (with a sha prefix that identifies it) and
    // the execution provider each get their own value; the full hashes are in the NIfTI sidecar.
    SoftwareVersions: [
      `MetaKD Review ${appVersion}`,
      `${p.modelName} ${p.modelVersion}${sha}`.slice(0, 64),
      ...(p.provider ? [`onnxruntime provider ${p.provider}`.slice(0, 64)] : []),
    ],
  };
}
