/** Test helper for the project tests: signing off as the service last showed the session. */
import type { ApiService } from '../../../src-main/api/service.ts';

/** Signs a session off as its reader saw it last (the sign-off check of issue 11). */
export async function signOffAsSeen(
  api: ApiService,
  sessionId: string,
  reader: string,
): Promise<void> {
  const s = (await api.invoke('listSessions', {})).find((x) => x.id === sessionId)!;
  await api.invoke('signOffSession', {
    sessionId,
    reader,
    seen: { updatedAt: s.updatedAt, inputSeries: s.result?.inputSeries ?? null },
  });
}
