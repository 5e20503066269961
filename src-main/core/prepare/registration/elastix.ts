/**
 * One registration with @itk-wasm/elastix (Apache-2.0): in-memory itk Images in, the optimised
 * transform out as an LPS 4×4 (fixed → moving) plus elastix's own parameters. No optimiser of our
 * own. Each registration runs in its own worker thread (elastixInWorker.ts): this thread stays
 * free, and a cancel ends a registration at once (the worker is terminated).
 */
import type { Mat4, Vec3 } from '../../volume/Geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { ErrorCode, MetaKdError, throwIfCancelled } from '../../errors.ts';
import { ElastixError, runElastixInWorker } from './elastixInWorker.ts';
import { volumeToItkImage } from './itkImage.ts';
import { affineParamsToMatrix, eulerToMatrix } from './eulerTransform.ts';

/** Transform model of one registration. */
export type RegistrationKind = 'rigid' | 'affine';

/** Parameters of registerImages. */
export interface RegisterParams {
  /** The image that defines the space (its points are mapped to the moving image's). */
  readonly fixed: Volume;
  readonly moving: Volume;
  readonly kind: RegistrationKind;
  /** Centre-of-gravity initialisation (to a template); default: start from world coordinates. */
  readonly centreOfGravity?: boolean;
  /** Multi-resolution levels (default 3). */
  readonly resolutions?: number;
  /** Iterations per level (default 250). */
  readonly iterations?: number;
  /** Random samples per iteration (default 2048). */
  readonly samples?: number;
  /** Names the series in errors. */
  readonly label: string;
  readonly signal?: AbortSignal;
}

/** What one registration found. */
export interface RegistrationOutcome {
  /** fixed → moving, LPS mm. */
  readonly matrix: Mat4;
  /** elastix's transform name (EulerTransform or AffineTransform). */
  readonly transform: string;
  /** elastix's TransformParameters. */
  readonly parameters: readonly number[];
  /** elastix's CenterOfRotationPoint (LPS mm). */
  readonly centre: Vec3;
  /** The parameter map that ran (strings, as elastix takes them). */
  readonly parameterMap: Readonly<Record<string, readonly string[]>>;
  readonly elapsedMs: number;
}

type ParameterMap = Record<string, string[]>;

/**
 * A metric sample count that fits small images: elastix refuses ("too many samples requested")
 * when the fixed image has fewer valid voxels than the sampler needs.
 */
function sampleCount(fixed: Volume, wanted: number): number {
  return Math.max(256, Math.min(wanted, Math.floor(fixed.data.length / 8)));
}

async function parameterMapFor(p: RegisterParams): Promise<ParameterMap> {
  const { defaultParameterMapNode } = await import('@itk-wasm/elastix');
  const resolutions = p.resolutions ?? 3;
  const { parameterMap } = await defaultParameterMapNode(p.kind, {
    numberOfResolutions: resolutions,
  });
  const map = { ...(parameterMap as ParameterMap) };
  map.MaximumNumberOfIterations = [String(p.iterations ?? 250)];
  map.NumberOfSpatialSamples = [String(sampleCount(p.fixed, p.samples ?? 2048))];
  // We resample ourselves from the composed matrices; elastix's result image is not used.
  map.WriteResultImage = ['false'];
  map.ResampleInterpolator = ['FinalLinearInterpolator'];
  map.FinalBSplineInterpolationOrder = ['1'];
  if (p.centreOfGravity) {
    map.AutomaticTransformInitialization = ['true'];
    map.AutomaticTransformInitializationMethod = ['CenterOfGravity'];
  }
  return map;
}

function numbers(map: Record<string, unknown>, key: string): number[] {
  const v = map[key];
  return Array.isArray(v) ? v.map(Number) : [];
}

/** Registers `moving` to `fixed`. Throws MetaKdError(RegistrationFailed) naming the series. */
export async function registerImages(p: RegisterParams): Promise<RegistrationOutcome> {
  throwIfCancelled(p.signal);
  const map = await parameterMapFor(p);
  const t0 = performance.now();
  let result: Record<string, unknown>[];
  try {
    result = await runElastixInWorker(
      {
        parameterMap: map,
        fixed: volumeToItkImage(p.fixed, 'fixed'),
        moving: volumeToItkImage(p.moving, 'moving'),
      },
      p.signal,
    );
  } catch (e) {
    if (!(e instanceof ElastixError)) throw e; // Cancelled, or the worker died (Internal)
    const msg = e.message.trim().split('\n').slice(-3).join(' ');
    throw new MetaKdError(
      ErrorCode.RegistrationFailed,
      `${p.label}: elastix could not register this series (${msg.slice(0, 300)}).`,
      { cause: e },
    );
  }
  const elapsedMs = performance.now() - t0;
  throwIfCancelled(p.signal);
  const out = result[0];
  const transform = String((out.Transform as string[] | undefined)?.[0] ?? '');
  const parameters = numbers(out, 'TransformParameters');
  const c = numbers(out, 'CenterOfRotationPoint');
  const centre: Vec3 = [c[0] ?? 0, c[1] ?? 0, c[2] ?? 0];
  let matrix: Mat4;
  if (transform === 'EulerTransform') matrix = eulerToMatrix(parameters, centre);
  else if (transform === 'AffineTransform') matrix = affineParamsToMatrix(parameters, centre);
  else {
    throw new MetaKdError(
      ErrorCode.RegistrationFailed,
      `${p.label}: elastix returned an unexpected transform "${transform}".`,
    );
  }
  if (matrix.some((x) => !Number.isFinite(x))) {
    throw new MetaKdError(
      ErrorCode.RegistrationFailed,
      `${p.label}: elastix returned a non-finite transform.`,
    );
  }
  return { matrix, transform, parameters, centre, parameterMap: map, elapsedMs };
}
