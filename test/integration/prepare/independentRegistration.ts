/**
 * Test helper: relates a raw series' native grid and the BraTS-pipeline space of the same patient
 * by an INDEPENDENT registration — Debian's elastix 5.0.1 command line (not the wasm build the
 * app uses, not our parameter handling, not our brain mask), then transformix with
 * nearest-neighbour interpolation on labels.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readNifti } from '../../../src-main/core/io/nifti/index.ts';
import { writeNifti } from '../../../src-main/core/io/nifti/writeNifti.ts';

const run = promisify(execFile);

const COMMON = `
(FixedInternalImagePixelType "float")
(MovingInternalImagePixelType "float")
(UseDirectionCosines "true")
(Registration "MultiResolutionRegistration")
(Interpolator "LinearInterpolator")
(ResampleInterpolator "FinalBSplineInterpolator")
(Resampler "DefaultResampler")
(FixedImagePyramid "FixedSmoothingImagePyramid")
(MovingImagePyramid "MovingSmoothingImagePyramid")
(Optimizer "AdaptiveStochasticGradientDescent")
(Metric "AdvancedMattesMutualInformation")
(NumberOfHistogramBins 32)
(AutomaticScalesEstimation "true")
(AutomaticParameterEstimation "true")
(HowToCombineTransforms "Compose")
(NumberOfResolutions 4)
(MaximumNumberOfIterations 500)
(NumberOfSpatialSamples 4096)
(NewSamplesEveryIteration "true")
(ImageSampler "RandomCoordinate")
(ErodeMask "false")
(WriteResultImage "false")
(ResultImageFormat "nii.gz")
(DefaultPixelValue 0)
`;

/** True when Debian's elastix and transformix are on PATH. */
export async function hasElastixCli(): Promise<boolean> {
  try {
    await run('elastix', ['--version']);
    await run('transformix', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Registers the pipeline's skull-stripped image (moving, its non-zero voxels as moving mask) to
 * the native raw series (fixed, skull on), rigid — the pipeline placed this patient in its space
 * rigidly (an affine step measured ≈ identity: scale 1.002/1.000/0.993) — and returns the
 * pipeline-space `labelsPath` resampled onto the native series' grid, nearest neighbour.
 * (Registering the other way round fails: a skull-on moving image has no mask to hide the skull,
 * and MI then drags the head onto the brain.)
 */
export async function pipelineLabelsIntoNative(p: {
  nativeImagePath: string;
  pipelineImagePath: string;
  labelsPath: string;
}): Promise<Uint8Array> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-indep-'));
  const moving = await readNifti(realpathSync(p.pipelineImagePath));
  const mask = Uint8Array.from(moving.frames[0], (v) => (v > 0 ? 1 : 0));
  await writeNifti(path.join(dir, 'mmask.nii.gz'), { geometry: moving.geometry, data: mask });
  writeFileSync(
    path.join(dir, 'rigid.txt'),
    `${COMMON}(Transform "EulerTransform")\n(AutomaticTransformInitialization "true")\n` +
      '(AutomaticTransformInitializationMethod "CenterOfGravity")\n' +
      // Most fixed-image samples fall outside the moving brain mask: accept the rest.
      '(RequiredRatioOfValidSamples 0.05)\n',
  );
  await run(
    'elastix',
    [
      ...['-f', realpathSync(p.nativeImagePath), '-m', realpathSync(p.pipelineImagePath)],
      ...['-mMask', path.join(dir, 'mmask.nii.gz'), '-out', dir, '-p', path.join(dir, 'rigid.txt')],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  // Nearest neighbour for labels: order-0 "B-spline" interpolation, integer output.
  const tp = path.join(dir, 'TransformParameters.0.txt');
  const text = readFileSync(tp, 'utf8')
    .replace(/\(FinalBSplineInterpolationOrder \d+\)/, '(FinalBSplineInterpolationOrder 0)')
    .replace(/\(ResultImagePixelType "[^"]*"\)/, '(ResultImagePixelType "unsigned char")');
  writeFileSync(tp, text);
  await run('transformix', ['-in', realpathSync(p.labelsPath), '-tp', tp, '-out', dir], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = readdirSync(dir).find((f) => f.startsWith('result.'));
  if (!out) throw new Error(`transformix wrote no result in ${dir}`);
  const img = await readNifti(path.join(dir, out));
  return Uint8Array.from(img.frames[0], (v) => Math.round(v));
}
