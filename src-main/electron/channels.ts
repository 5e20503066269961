/** IPC channel names shared by main.ts and preload.ts (one place, so they cannot drift). */
export const IPC = {
  /** invoke(name, params) → {ok, result} | {ok: false, error} */
  invoke: 'metakd:invoke',
  /** main → renderer: api events (job progress, job end) */
  event: 'metakd:event',
  /** sync: the api method names */
  methods: 'metakd:methods',
  /** native open dialog */
  openPath: 'metakd:open-path',
  /** main → renderer: File menu asked to open a folder or file */
  menuOpen: 'metakd:menu-open',
} as const;
