/**
 * Issue 13: a process hashes a model graph once and reuses the hash while the file is unchanged;
 * a graph rewritten in place (even with its size and mtime restored) is hashed again and refused.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { verifyModelFiles, type LoadedModel } from '../../../src-main/core/model/loadManifest.ts';

const sha = (b: string) => createHash('sha256').update(b).digest('hex');

function model(dir: string, enc: string, dec: string): LoadedModel {
  return {
    manifestPath: path.join(dir, 'manifest.json'),
    encoderPath: path.join(dir, 'enc.onnx'),
    decoderPath: path.join(dir, 'dec.onnx'),
    manifest: {
      graphs: {
        encoder: { path: 'enc.onnx', sha256: sha(enc) },
        decoder: { path: 'dec.onnx', sha256: sha(dec) },
      },
    },
  } as unknown as LoadedModel;
}

describe('model graph verification cache', () => {
  it('re-verifies a graph rewritten in place with the same size and mtime', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-verify-'));
    writeFileSync(path.join(dir, 'enc.onnx'), 'encoder-bytes');
    writeFileSync(path.join(dir, 'dec.onnx'), 'decoder-bytes');
    const m = model(dir, 'encoder-bytes', 'decoder-bytes');
    await verifyModelFiles(m);
    await verifyModelFiles(m); // answered from the cache: still passes
    const dec = path.join(dir, 'dec.onnx');
    const before = statSync(dec);
    writeFileSync(dec, 'decoder-bytez'); // same size
    utimesSync(dec, before.atime, before.mtime); // same mtime
    await expect(verifyModelFiles(m)).rejects.toMatchObject({ code: 'MODEL_CHECKSUM', file: dec });
    // Put back: verified again and accepted.
    writeFileSync(dec, 'decoder-bytes');
    await verifyModelFiles(m);
  });

  it('still reports a missing graph', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-verify-'));
    writeFileSync(path.join(dir, 'enc.onnx'), 'e');
    await expect(verifyModelFiles(model(dir, 'e', 'd'))).rejects.toMatchObject({
      code: 'MODEL_INVALID',
    });
  });
});
