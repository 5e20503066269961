/**
 * Benchmark: export + send of one DICOM SEG of a 155-slice series, both protocols, against a real
 * Orthanc on loopback. `npm run bench:export` — writes bench/results/export.md.
 *
 * Steps timed (median of RUNS): exportCase (import of the four-series study + SEG build + atomic
 * write), buildSeg alone, outbox enqueue + C-STORE until confirmed, outbox enqueue + STOW-RS until
 * confirmed.
 */
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release } from 'node:os';
import path from 'node:path';
import { dataPath, repoRoot } from '../test/helpers/data.ts';
import { startOrthanc } from '../test/helpers/orthanc.ts';
import { writeMrStudyFromBratsCase } from '../src-main/core/io/dicom/writeMrStudy.ts';
import { exportCase } from '../src-main/core/export/exportCase.ts';
import { buildSeg } from '../src-main/core/export/seg/buildSeg.ts';
import { readSourceSeries } from '../src-main/core/export/seg/sourceSeries.ts';
import { readNifti } from '../src-main/core/io/nifti/index.ts';
import { DestinationStore } from '../src-main/core/export/pacs/Destination.ts';
import { Outbox } from '../src-main/core/export/outbox/Outbox.ts';

const CASE = 'Brats18_2013_20_1';
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

const tmp = mkdtempSync(path.join(tmpdir(), 'metakd-bench-export-'));
const orthanc = await startOrthanc();
try {
  const study = await writeMrStudyFromBratsCase(dataPath('brats18', CASE), path.join(tmp, 'study'));
  const t1ce = study.series.find((s) => s.slot === 't1ce');
  if (!t1ce) throw new Error('no T1ce series');
  const labelsPath = dataPath('brats18', CASE, `${CASE}_seg.nii.gz`);
  const store = new DestinationStore(path.join(tmp, 'data'));
  await store.save({
    kind: 'dimse',
    name: 'dimse',
    calledAeTitle: 'ORTHANC',
    host: '127.0.0.1',
    port: orthanc.dicomPort,
  });
  await store.save({ kind: 'dicomweb', name: 'web', baseUrl: orthanc.dicomWebUrl });
  const outbox = new Outbox({
    dir: path.join(tmp, 'data', 'outbox'),
    resolveDestination: (n) => store.get(n),
  });
  const source = readSourceSeries(t1ce.files);
  const img = await readNifti(labelsPath);
  const labels = { geometry: img.geometry, data: Uint8Array.from(img.frames[0]) };
  const t = {
    exportCase: [] as number[],
    buildSeg: [] as number[],
    cstore: [] as number[],
    stow: [] as number[],
  };
  let segBytes = 0;
  let frames = 0;
  for (let run = 0; run < RUNS; run++) {
    const [te, r] = await time(() =>
      exportCase({
        studyPath: study.outDir,
        labelsPath,
        format: 'seg',
        outDir: path.join(tmp, 'out'),
        series: t1ce.SeriesInstanceUID,
        settings: { ContentCreatorName: 'Bench^Reader', ContentLabel: 'TUMOUR' },
        appVersion: 'bench',
        provenance: { algorithm: 'expert', modelName: 'BraTS expert label', modelVersion: '2018' },
      }),
    );
    t.exportCase.push(te);
    segBytes = statSync(r.file).size;
    frames = r.numberOfFrames ?? 0;
    const provenance = { ...r.provenance };
    const [tb] = await time(() =>
      buildSeg({
        labels,
        source,
        provenance,
        settings: { ContentCreatorName: 'B', ContentLabel: 'T' },
        appVersion: 'bench',
      }),
    );
    t.buildSeg.push(tb);
    const [tc] = await time(async () =>
      outbox.deliver((await outbox.enqueue([r.file], 'dimse')).id),
    );
    t.cstore.push(tc);
    const second = buildSeg({
      labels,
      source,
      provenance,
      settings: { ContentCreatorName: 'B', ContentLabel: 'T' },
      appVersion: 'bench',
    });
    const f2 = path.join(tmp, 'out', `stow-${run}.dcm`);
    writeFileSync(f2, second.bytes);
    const [ts] = await time(async () => outbox.deliver((await outbox.enqueue([f2], 'web')).id));
    t.stow.push(ts);
  }
  const fmt = (xs: number[]): string =>
    `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  const md = `# Export benchmark: one DICOM SEG of a 155-slice series, sent by C-STORE and STOW-RS

- Date: ${new Date().toISOString()}
- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}
- PACS: Orthanc 1.10 (Debian) with the DICOMweb plugin on 127.0.0.1 (same machine)
- Command: \`npm run bench:export\` (bench/export.bench.ts), ${RUNS} runs, median (min, max)
- Input: BraTS 2018 case ${CASE} made into a four-series MR DICOM study (writeMrStudy, 240×240×155),
  its expert label (labels 1/2/4) exported on the T1ce series: ${frames} frames, ${(segBytes / 1e6).toFixed(2)} MB SEG.

| step | time |
| --- | --- |
| exportCase (import the 4×155-slice study, build SEG, atomic write) | ${fmt(t.exportCase)} |
| buildSeg alone (resample check, frames, bit packing, dcmjs write) | ${fmt(t.buildSeg)} |
| outbox enqueue + C-STORE until confirmed (dcmjs-dimse) | ${fmt(t.cstore)} |
| outbox enqueue + STOW-RS until confirmed (multipart/related) | ${fmt(t.stow)} |
`;
  writeFileSync(path.join(repoRoot, 'bench', 'results', 'export.md'), md);
  process.stdout.write(md);
} finally {
  await orthanc.dispose();
  rmSync(tmp, { recursive: true, force: true });
}
