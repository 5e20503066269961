/**
 * Classifies every series of a study: each series on its own evidence first, then the study-level
 * rule that only the acquisition order can decide — a T1 acquired after contrast was given, or a
 * later repeat of an identical T1 protocol, is the post-contrast T1 (the Philips trap in
 * other_real_strings.tsv: series 901 and 1201 are both "T1W_SE-TRA_FS"). Pure functions.
 */
import type { Classification, SeriesInfo, Study } from '../study/types.ts';
import { decide, decideSeries, type SeriesDecision } from './classifySeries.ts';
import type { Evidence } from './evidence.ts';
import { tokenize } from './tokenize.ts';
import { VOLUMETRIC_T1_WORDS } from './vocabulary.ts';

/** Weight of "acquired after contrast" / "later repeat": about one contrast word. */
const ORDER_POST_WEIGHT = 2;
/** Weight of "the same protocol was repeated after contrast": this one is the native T1. */
const ORDER_PRE_WEIGHT = 1;
const SECONDS_PER_DAY = 86_400;

/** When a series was acquired: clock time (s, with the date when known) and SeriesNumber. */
export interface AcquisitionOrder {
  readonly time?: number;
  readonly seriesNumber?: number;
}

/** Parses DICOM TM ("HHMMSS.ffffff", also the old "HH:MM:SS") into seconds since midnight. */
export function parseDicomTime(tm: string | undefined): number | undefined {
  if (!tm) return undefined;
  const m = /^(\d{2}):?(\d{2})?:?(\d{2})?(\.\d+)?$/.exec(tm.trim());
  if (!m) return undefined;
  const [, hh, mm = '0', ss = '0', frac = ''] = m;
  return Number(hh) * 3600 + Number(mm) * 60 + Number(ss) + (frac ? Number(frac) : 0);
}

/** Parses DICOM DA ("YYYYMMDD") into days since 1970 (UTC). */
function parseDicomDate(da: string | undefined): number | undefined {
  const m = da ? /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim()) : null;
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / (SECONDS_PER_DAY * 1000);
}

/** The acquisition order key of a series: AcquisitionTime, else SeriesTime; and SeriesNumber. */
export function acquisitionOrder(info: SeriesInfo): AcquisitionOrder {
  const clock = parseDicomTime(info.AcquisitionTime) ?? parseDicomTime(info.SeriesTime);
  const day = parseDicomDate(info.SeriesDate);
  return {
    time: clock === undefined ? undefined : clock + (day ?? 0) * SECONDS_PER_DAY,
    seriesNumber: info.SeriesNumber,
  };
}

/** Negative when a was acquired before b; undefined when the two cannot be ordered. */
export function compareAcquisition(a: AcquisitionOrder, b: AcquisitionOrder): number | undefined {
  if (a.time !== undefined && b.time !== undefined && a.time !== b.time) return a.time - b.time;
  if (a.seriesNumber !== undefined && b.seriesNumber !== undefined) {
    return a.seriesNumber - b.seriesNumber;
  }
  return undefined;
}

/** How a series is named in reasons: "#1201 “T1W_SE-TRA_FS”". */
function seriesLabel(info: SeriesInfo): string {
  const num = info.SeriesNumber !== undefined ? `#${info.SeriesNumber} ` : '';
  return `${num}"${info.SeriesDescription}"`;
}

/** Two series with the same signature ran the same protocol (same name words and timings). */
function protocolSignature(info: SeriesInfo): string {
  const t = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
  return [
    tokenize(info.SeriesDescription).join(' '),
    tokenize(info.ProtocolName).join(' '),
    info.ScanningSequence ?? '',
    t(info.RepetitionTime),
    t(info.EchoTime),
    t(info.InversionTime),
  ].join('|');
}

interface Entry {
  readonly info: SeriesInfo;
  readonly order: AcquisitionOrder;
  decision: SeriesDecision;
}

/** A native (non-derived) T1-family series with no contrast evidence either way. */
function isUndecidedT1(e: Entry): boolean {
  return (
    e.decision.family === 't1' &&
    !e.decision.derived &&
    e.decision.contrast <= 0 &&
    e.decision.pre <= 0
  );
}

function addEvidence(e: Entry, extra: Evidence): void {
  e.decision = decide(e.info.id, [...e.decision.evidence, extra]);
}

/** Rule "after contrast": an undecided T1 acquired after any post-contrast series is a T1ce. */
function afterContrastRule(entries: readonly Entry[]): void {
  const markers = entries.filter((e) => e.decision.contrast > 0 && !e.decision.derived);
  for (const e of entries) {
    if (!isUndecidedT1(e)) continue;
    const before = markers.find((m) => (compareAcquisition(m.order, e.order) ?? 0) < 0);
    if (before) {
      addEvidence(e, {
        rule: 'acquisitionOrder',
        vote: 'post',
        weight: ORDER_POST_WEIGHT,
        reason: `acquired after ${seriesLabel(before.info)}, which is post-contrast`,
      });
    }
  }
}

/** True when the names (or the header) say the series is a 3-D gradient-echo T1 acquisition. */
function isVolumetricT1(info: SeriesInfo): boolean {
  const words = [...tokenize(info.SeriesDescription), ...tokenize(info.ProtocolName)];
  if (words.some((w) => VOLUMETRIC_T1_WORDS.has(w))) return true;
  return info.MRAcquisitionType?.toUpperCase() === '3D' && /GR/i.test(info.ScanningSequence ?? '');
}

/**
 * Rule "volumetric after native", read as a neuroradiologist reads a tumour protocol: when a
 * study has a native T1 and nothing marked post-contrast, a 3-D gradient-echo T1 (MPRAGE, SPGR,
 * BRAVO, 3D TFE/FFE, VIBE…) acquired after that T1 is the post-contrast series — sites run the
 * volumetric T1 after injection and rarely name it so. A volumetric T1 acquired first, or the
 * only T1, stays native. Without an acquisition order only a non-volumetric T1 counts as earlier.
 */
function volumetricAfterNativeRule(entries: readonly Entry[]): void {
  const t1s = entries.filter((e) => e.decision.family === 't1' && !e.decision.derived);
  // Another series marked post-contrast: the order rule below decides from that mark instead.
  if (entries.some((e) => e.decision.contrast > 0 && !e.decision.derived)) return;
  for (const e of t1s) {
    if (!isUndecidedT1(e) || !isVolumetricT1(e.info)) continue;
    const native = t1s.find((p) => {
      if (p === e) return false;
      const cmp = compareAcquisition(p.order, e.order);
      return cmp === undefined ? !isVolumetricT1(p.info) : cmp < 0;
    });
    if (!native) continue;
    addEvidence(e, {
      rule: 'acquisitionOrder',
      vote: 'post',
      weight: ORDER_POST_WEIGHT,
      reason: `3-D gradient-echo T1 acquired after the native T1 ${seriesLabel(native.info)}, with no other post-contrast series: the post-contrast T1`,
    });
  }
}

/** Rule "identical repeat": of T1 series with one protocol, the later ones are post-contrast. */
function repeatRule(entries: readonly Entry[]): void {
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    if (e.decision.family !== 't1' || e.decision.derived) continue;
    const key = protocolSignature(e.info);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    if (group.some((g) => group.some((h) => compareAcquisition(g.order, h.order) === undefined))) {
      continue;
    }
    const sorted = [...group].sort((a, b) => compareAcquisition(a.order, b.order) ?? 0);
    const [first, ...later] = sorted;
    for (const e of later) {
      if (!isUndecidedT1(e)) continue;
      addEvidence(e, {
        rule: 'acquisitionOrder',
        vote: 'post',
        weight: ORDER_POST_WEIGHT,
        reason: `later repeat of ${seriesLabel(first.info)} with an identical protocol (the post-contrast T1)`,
      });
    }
    if (isUndecidedT1(first) && later.length > 0) {
      addEvidence(first, {
        rule: 'acquisitionOrder',
        vote: 'pre',
        weight: ORDER_PRE_WEIGHT,
        reason: `the same protocol was repeated later (${seriesLabel(later[0].info)}): this is the pre-contrast T1`,
      });
    }
  }
}

/** Full decisions for every series of a study, after the study-level rules. @internal */
export function decideStudy(study: Study | readonly SeriesInfo[]): Map<string, SeriesDecision> {
  const series: readonly SeriesInfo[] = Array.isArray(study)
    ? (study as readonly SeriesInfo[])
    : (study as Study).series;
  const entries: Entry[] = series.map((info) => ({
    info,
    order: acquisitionOrder(info),
    decision: decideSeries(info),
  }));
  volumetricAfterNativeRule(entries);
  afterContrastRule(entries);
  repeatRule(entries);
  return new Map(entries.map((e) => [e.info.id, e.decision]));
}

/**
 * Classifies every series of a study (or a list of series judged as one study), keyed by series
 * id. Uses each series' own evidence plus the acquisition order inside the study.
 */
export function classifyStudy(study: Study | readonly SeriesInfo[]): Map<string, Classification> {
  const out = new Map<string, Classification>();
  for (const [id, d] of decideStudy(study)) out.set(id, d.classification);
  return out;
}
