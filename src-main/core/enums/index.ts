export * from './SequenceLabel.ts';
