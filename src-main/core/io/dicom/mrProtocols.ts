/**
 * The acquisition protocols the study generator writes: one per model sequence, with the header
 * values a real brain-tumour MR protocol carries (a Siemens-style 2-D spin-echo family). Listed in
 * acquisition order: pre-contrast T1, T2, FLAIR, then the post-contrast T1. Constants only.
 */
import type { ModelSlot } from '../../enums/SequenceLabel.ts';

/** Header values of one generated series. */
export interface MrProtocol {
  readonly slot: ModelSlot;
  readonly SeriesDescription: string;
  readonly ProtocolName: string;
  readonly ScanningSequence: readonly string[];
  readonly SequenceVariant: readonly string[];
  readonly ScanOptions: readonly string[];
  readonly SequenceName: string;
  /** ms */
  readonly RepetitionTime: number;
  /** ms */
  readonly EchoTime: number;
  /** ms; only inversion-recovery sequences have one. */
  readonly InversionTime?: number;
  /** degrees */
  readonly FlipAngle: number;
  /** Echoes per excitation (1 for conventional spin echo). */
  readonly EchoTrainLength: number;
  /** Set on the post-contrast series only. */
  readonly ContrastBolusAgent?: string;
}

/** The pre-contrast spin-echo T1. */
const T1_SE: MrProtocol = {
  slot: 't1',
  SeriesDescription: 'AX T1 SE',
  ProtocolName: 'AX T1 SE',
  ScanningSequence: ['SE'],
  SequenceVariant: ['SP'],
  ScanOptions: ['SAT1'],
  SequenceName: '*se2d1',
  RepetitionTime: 550,
  EchoTime: 11,
  EchoTrainLength: 1,
  FlipAngle: 90,
};

/** The four protocols, in acquisition order (SeriesNumber 2…5; 1 would be the localizer). */
export const MR_PROTOCOLS: readonly MrProtocol[] = [
  T1_SE,
  {
    slot: 't2',
    SeriesDescription: 'AX T2 FSE',
    ProtocolName: 'AX T2 FSE',
    ScanningSequence: ['SE'],
    SequenceVariant: ['SK', 'SP', 'OSP'],
    ScanOptions: ['PFP'],
    SequenceName: '*tse2d1_15',
    RepetitionTime: 4500,
    EchoTime: 98,
    EchoTrainLength: 15,
    FlipAngle: 150,
  },
  {
    slot: 'flair',
    SeriesDescription: 'AX FLAIR',
    ProtocolName: 'AX FLAIR',
    ScanningSequence: ['SE', 'IR'],
    SequenceVariant: ['SK', 'SP', 'MP', 'OSP'],
    ScanOptions: ['IR'],
    SequenceName: '*tir2d1_17',
    RepetitionTime: 9000,
    EchoTime: 88,
    InversionTime: 2500,
    EchoTrainLength: 17,
    FlipAngle: 150,
  },
  {
    // The same spin-echo T1 repeated after the injection (what sequence detection must tell apart).
    ...T1_SE,
    slot: 't1ce',
    SeriesDescription: 'AX T1 POST GD',
    ProtocolName: 'AX T1 SE +C',
    ContrastBolusAgent: 'GADOBUTROL 1.0 MMOL/ML',
  },
];
