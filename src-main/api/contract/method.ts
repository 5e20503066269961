/**
 * How api methods are declared: a zod schema for the params (validated where data enters main:
 * IPC, HTTP, CLI) and a phantom result type. Transports loop over the method table generically.
 */
import type { z } from '../../core/zod.ts';

/** One api method: its params schema, a phantom result type and a one-line description. */
export interface MethodSpec<P extends z.ZodMiniType = z.ZodMiniType, R = unknown> {
  readonly params: P;
  readonly description: string;
  /** Phantom: never set at runtime; carries the result type. */
  readonly __result?: R;
}

/**
 * Declares a method with result type R: `method<R>()(() => schema, 'what it does')`. The schema
 * is built when first used, so a process builds only the schemas of the methods it calls: a
 * one-shot CLI command calls one or two, and building all of a group's schemas showed in the
 * start-up of `metakd inspect` (issue 13).
 */
export function method<R>() {
  return <P extends z.ZodMiniType>(build: () => P, description: string): MethodSpec<P, R> => {
    let params: P | undefined;
    return {
      get params(): P {
        return (params ??= build());
      },
      description,
    };
  };
}

/** A table of methods keyed by name. */
export type MethodTable = Readonly<Record<string, MethodSpec>>;

/** Result type carried by a MethodSpec. */
export type ResultOf<M> = M extends MethodSpec<z.ZodMiniType, infer R> ? R : never;

/** Params type (as callers write it) of a MethodSpec. */
export type ParamsOf<M> = M extends MethodSpec<infer P, unknown> ? z.input<P> : never;

/** The callable api described by a method table. */
export type ApiOf<T extends MethodTable> = {
  [K in keyof T]: (params: ParamsOf<T[K]>) => Promise<ResultOf<T[K]>>;
};
