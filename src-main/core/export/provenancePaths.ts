/**
 * Paths and UIDs in what we write next to a result (report.json, NIfTI sidecars): pure functions.
 * Study folders are often named after the patient ("DOE_JOHN_MR_2024"), and absolute paths carry
 * every folder above them too. By default a path is written relative to the study: the study
 * folder's own name, then the path inside it ("Brats18_2013_20_1/flair.nii.gz"); a path outside
 * the study keeps only its file name. That is the least that still ties an output to its input on
 * the machine that made it (the output folder sits anywhere, so a path relative to it would keep
 * whatever folders separate the two, which is where the names are). With `anonymise`, paths and
 * DICOM UIDs are removed altogether, for outputs that leave the site.
 */
import path from 'node:path';

/** How provenance paths are written. */
export interface ProvenancePrivacy {
  /** The imported study folder or file the paths are made relative to. */
  readonly studyPath: string;
  /** Remove paths and UIDs instead of shortening them. */
  readonly anonymise?: boolean;
}

/** What replaces a removed path or UID. */
export const REMOVED = '(removed)';

/** A key that holds a DICOM UID (SeriesInstanceUID, StudyInstanceUID, FrameOfReferenceUID…). */
const UID_KEY = /UID$/;
/** A value that is a DICOM UID: digits and dots (PS3.5 §9.1), at least three components. */
const UID_VALUE = /^[0-9]+(\.[0-9]+){2,}$/;

/** Is `s` an absolute path on this platform (or a POSIX one, for reports read elsewhere)? */
function isAbsolutePath(s: string): boolean {
  return s.length > 1 && (path.isAbsolute(s) || path.posix.isAbsolute(s));
}

/** One path made study-relative (or removed). */
export function provenancePath(p: string, privacy: ProvenancePrivacy): string {
  if (privacy.anonymise) return REMOVED;
  const root = path.resolve(privacy.studyPath);
  const abs = path.resolve(p);
  const name = path.basename(root);
  if (abs === root) return name;
  const rel = path.relative(root, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return path.join(name, rel);
  return path.basename(abs);
}

/**
 * A copy of `value` (JSON-like) with every absolute path — as a whole string, or inside one such
 * as a series id "/data/DOE/flair.nii.gz#0" — written study-relative, and with `anonymise` every
 * path and every UID (by key or by value) replaced by REMOVED.
 */
export function scrubProvenance<T>(value: T, privacy: ProvenancePrivacy): T {
  const root = path.resolve(privacy.studyPath);
  const visit = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') {
      if (privacy.anonymise && (UID_KEY.test(key) || UID_VALUE.test(v))) return REMOVED;
      if (isAbsolutePath(v)) {
        // "<path>#<suffix>" ids (a volume inside a file) keep their suffix.
        const hash = v.indexOf('#');
        const p = hash > 0 ? v.slice(0, hash) : v;
        const suffix = hash > 0 && !privacy.anonymise ? v.slice(hash) : '';
        return provenancePath(p, privacy) + suffix;
      }
      // A path inside a longer string (e.g. a message "…/data/DOE/x.nii: …"): the study root.
      return v.includes(root)
        ? v.split(root).join(privacy.anonymise ? REMOVED : path.basename(root))
        : v;
    }
    if (Array.isArray(v)) return v.map((x) => visit(x, key));
    if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x, k)]));
    }
    return v;
  };
  return visit(value, '') as T;
}
