/**
 * How api methods are declared: a zod schema for the params (validated where data enters main:
 * IPC, HTTP, CLI) and a phantom result type. Transports loop over the method table generically.
 */
import type { z } from 'zod';

/** One api method: its params schema, a phantom result type and a one-line description. */
export interface MethodSpec<P extends z.ZodType = z.ZodType, R = unknown> {
  readonly params: P;
  readonly description: string;
  /** Phantom: never set at runtime; carries the result type. */
  readonly __result?: R;
}

/** Declares a method with result type R: `method<R>()(schema, 'what it does')`. */
export function method<R>() {
  return <P extends z.ZodType>(params: P, description: string): MethodSpec<P, R> => ({
    params,
    description,
  });
}

/** A table of methods keyed by name. */
export type MethodTable = Readonly<Record<string, MethodSpec>>;

/** Result type carried by a MethodSpec. */
export type ResultOf<M> = M extends MethodSpec<z.ZodType, infer R> ? R : never;

/** Params type (as callers write it) of a MethodSpec. */
export type ParamsOf<M> = M extends MethodSpec<infer P, unknown> ? z.input<P> : never;

/** The callable api described by a method table. */
export type ApiOf<T extends MethodTable> = {
  [K in keyof T]: (params: ParamsOf<T[K]>) => Promise<ResultOf<T[K]>>;
};
