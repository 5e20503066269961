/**
 * Service: DICOM SEG / NIfTI export, PACS destinations and the outbox, bound to core. The outbox
 * runs a background retry loop once the service has been used (timer does not keep Node alive).
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { ServiceParts, ServiceOptions } from './types.ts';
import { exportCase, type ExportCaseResult } from '../../core/export/exportCase.ts';
import { DestinationStore, redact } from '../../core/export/pacs/Destination.ts';
import { testDestination } from '../../core/export/pacs/sendToDestination.ts';
import { Outbox } from '../../core/export/outbox/Outbox.ts';
import { collectDicomFiles } from '../../core/export/outbox/collectFiles.ts';
import { segmentAlgorithmType, type ExportSettings } from '../../core/export/provenance.ts';
import { isMetaKdError } from '../../core/errors.ts';
import type { ExportResultDto } from '../contract/export.ts';

type ExportMethods =
  | 'exportSeg'
  | 'exportNifti'
  | 'listDestinations'
  | 'saveDestination'
  | 'removeDestination'
  | 'testDestination'
  | 'send'
  | 'outboxStatus'
  | 'outboxRetry';

/** Reads ContentCreatorName / ContentLabel from <dataDir>/settings.json's "export" section. */
async function exportSettings(dataDir: string): Promise<ExportSettings> {
  try {
    const json = JSON.parse(await readFile(path.join(dataDir, 'settings.json'), 'utf8')) as {
      export?: Partial<ExportSettings>;
    };
    return {
      ContentCreatorName: json.export?.ContentCreatorName ?? '',
      ContentLabel: json.export?.ContentLabel ?? 'METAKD_TUMOUR',
      SeriesNumber: json.export?.SeriesNumber,
      SeriesDescription: json.export?.SeriesDescription,
    };
  } catch {
    return { ContentCreatorName: '', ContentLabel: 'METAKD_TUMOUR' }; // no settings yet
  }
}

function toDto(r: ExportCaseResult): ExportResultDto {
  return {
    format: r.format,
    file: r.file,
    sidecar: r.sidecar,
    sourceSeriesId: r.sourceSeriesId,
    SOPInstanceUID: r.SOPInstanceUID,
    SeriesInstanceUID: r.SeriesInstanceUID,
    ReferencedSeriesInstanceUID: r.ReferencedSeriesInstanceUID,
    numberOfFrames: r.numberOfFrames,
    voxels: r.voxels,
    algorithmType: segmentAlgorithmType(r.provenance),
  };
}

/** Implements the export methods of the contract. */
export function createExportService(options: ServiceOptions): ServiceParts<ExportMethods> {
  const store = new DestinationStore(options.dataDir);
  const outbox = new Outbox({
    dir: path.join(options.dataDir, 'outbox'),
    resolveDestination: (name) => store.get(name),
  });
  const exportsDir = path.join(options.dataDir, 'exports');
  const run = async (
    format: 'seg' | 'nifti',
    p: Parameters<ServiceParts<'exportSeg'>['exportSeg']>[0],
    signal?: AbortSignal,
  ) =>
    toDto(
      await exportCase({
        ...p,
        format,
        outDir: p.outDir ?? exportsDir,
        settings: await exportSettings(options.dataDir),
        appVersion: options.appVersion,
        signal,
      }),
    );
  return {
    exportSeg: (p, ctx) => run('seg', p, ctx.signal),
    exportNifti: (p, ctx) => run('nifti', p, ctx.signal),
    listDestinations: async () => (await store.list()).map(redact),
    saveDestination: async (p) => redact(await store.save(p.destination)),
    removeDestination: async (p) => ({ removed: await store.remove(p.name) }),
    testDestination: async (p) => ({
      ok: true as const,
      ms: (await testDestination(await store.get(p.name))).ms,
    }),
    send: async (p, ctx) => {
      await store.get(p.to); // fail now, before queueing, when the destination does not exist
      const item = await outbox.enqueue(await collectDicomFiles(p.files), p.to);
      outbox.start();
      const jobId = `send-${item.id}`;
      try {
        const r = await outbox.deliver(item.id, (ev) =>
          ctx.emit({
            type: 'job.progress',
            jobId,
            stage: 'send',
            done: ev.done,
            total: ev.total,
            message: ev.unit,
          }),
        );
        return { outboxId: item.id, delivered: true, instances: r.stored };
      } catch (e) {
        if (!isMetaKdError(e)) throw e;
        return {
          outboxId: item.id,
          delivered: false,
          instances: 0,
          error: { code: e.code, message: e.message },
        };
      }
    },
    outboxStatus: async () => {
      outbox.start();
      return outbox.list();
    },
    outboxRetry: async (p) => {
      if (!p.id) return outbox.processDue(true);
      try {
        await outbox.deliver(p.id);
        return { delivered: [p.id], failed: [] };
      } catch (e) {
        if (!isMetaKdError(e)) throw e;
        return { delivered: [], failed: [{ id: p.id, code: e.code, message: e.message }] };
      }
    },
  };
}
