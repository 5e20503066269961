/** Only a real change of the drawn measurements is saved (measurementChanges.ts). */
import { describe, expect, it } from 'vitest';
import { sameMeasurements } from '../../../src-renderer/lib/measurementChanges.ts';

const length = {
  id: 'a',
  kind: 'length',
  pointsLps: [
    [1, 2, 3],
    [4, 5, 6],
  ],
};
const bidi = {
  id: 'b',
  kind: 'bidirectional',
  pointsLps: [
    [0, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
    [0, 2, 0],
  ],
  planeNormal: [0, 0, -1],
};
// The session's copy: equal values in new arrays, plus the lengths the service computed.
const stored = [
  { ...length, pointsLps: length.pointsLps.map((p) => [...p] as const), lengthMm: 5.2 },
  { ...bidi, planeNormal: [0, 0, -1] as const, longMm: 1, shortMm: 1 },
];

describe('sameMeasurements', () => {
  it('equal ids, kinds, points and planes: the same, whatever the extra stored fields', () => {
    expect(sameMeasurements([length, bidi], stored)).toBe(true);
    expect(sameMeasurements([], [])).toBe(true);
  });
  it('a moved point, an added, removed or reordered measurement, another plane: changed', () => {
    const moved = { ...length, pointsLps: [length.pointsLps[0], [4, 5, 6.5]] as const };
    expect(sameMeasurements([moved, bidi], stored)).toBe(false);
    expect(sameMeasurements([length], stored)).toBe(false);
    expect(sameMeasurements([length, bidi, { ...length, id: 'c' }], stored)).toBe(false);
    expect(sameMeasurements([bidi, length], stored)).toBe(false);
    expect(sameMeasurements([length, { ...bidi, planeNormal: [0, 0, 1] }], stored)).toBe(false);
    expect(sameMeasurements([length, { ...bidi, planeNormal: undefined }], stored)).toBe(false);
  });
});
