/**
 * Whether the viewer's measurements differ from the session's. Cornerstone reports an annotation
 * "modified" for more than a moved handle (a render, a highlight), and each report used to be
 * saved: an audit entry per save, and a save's answer brought in another reader's change
 * unannounced. Only a real change is saved now.
 */

/** What identifies a measurement's drawing (MeasurementInputView and the stored kind both have it). */
interface Drawn {
  readonly id: string;
  readonly kind: string;
  readonly pointsLps: readonly (readonly number[])[];
  readonly planeNormal?: readonly number[];
}

const samePoint = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  a === b || (!!a && !!b && a.length === b.length && a.every((v, i) => v === b[i]));

/** True when `drawn` holds exactly the session's measurements (same ids, order, kinds, points). */
export function sameMeasurements(drawn: readonly Drawn[], stored: readonly Drawn[]): boolean {
  return (
    drawn.length === stored.length &&
    drawn.every((m, i) => {
      const s = stored[i];
      return (
        m.id === s.id &&
        m.kind === s.kind &&
        m.pointsLps.length === s.pointsLps.length &&
        m.pointsLps.every((p, j) => samePoint(p, s.pointsLps[j])) &&
        samePoint(m.planeNormal, s.planeNormal)
      );
    })
  );
}
