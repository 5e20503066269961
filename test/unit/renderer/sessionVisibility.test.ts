import { describe, expect, it } from 'vitest';
import { visibleSessions } from '../../../src-renderer/lib/sessionVisibility.ts';

const sessions = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

describe('visibleSessions (issue 14: blinded reader studies)', () => {
  it('lists every session when the case is not blinded', () => {
    expect(visibleSessions(sessions, null)).toEqual({ shown: sessions, hidden: 0 });
  });
  it('lists only the blinded reader’s own session and counts the others', () => {
    expect(visibleSessions(sessions, 'b')).toEqual({ shown: [{ id: 'b' }], hidden: 2 });
  });
  it('hides everything while the reader’s own session is not stored yet', () => {
    expect(visibleSessions(sessions, 'x')).toEqual({ shown: [], hidden: 3 });
  });
});
