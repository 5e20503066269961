/**
 * The binary-result convention of the HTTP transport (pure functions). An api result that is an
 * object with a `data` field holding an ArrayBuffer (or a view of one) — a volume, a labelmap — is
 * sent as `application/octet-stream` (the bytes as they lie in memory: little-endian on every
 * platform we ship for) and the other fields travel as JSON in the `X-MetaKD-Meta` header. The
 * renderer's HTTP bridge rebuilds `{...meta, data: ArrayBuffer}`; over IPC the structured clone
 * carries the ArrayBuffer unchanged, so callers see one shape.
 */

/** Header that carries a binary result's other fields (URI-encoded JSON: headers are ASCII). */
export const BINARY_META_HEADER = 'X-MetaKD-Meta';

/** Content type of a binary result. */
export const BINARY_CONTENT_TYPE = 'application/octet-stream';

/** A result split into its bytes and the JSON-safe rest. */
export interface SplitBinary {
  /** The bytes to send (a view; not copied). */
  readonly bytes: Uint8Array;
  /** Every other field of the result. */
  readonly meta: Record<string, unknown>;
}

/** Splits a binary result (object with an ArrayBuffer / view in `data`); null when not binary. */
export function splitBinaryResult(result: unknown): SplitBinary | null {
  if (typeof result !== 'object' || result === null || !('data' in result)) return null;
  const { data, ...meta } = result as { data: unknown } & Record<string, unknown>;
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data), meta };
  if (ArrayBuffer.isView(data)) {
    return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), meta };
  }
  return null;
}

/** Encodes the meta fields for the header. */
export function encodeMeta(meta: Record<string, unknown>): string {
  return encodeURIComponent(JSON.stringify(meta));
}

/** Decodes the header back into the meta fields. */
export function decodeMeta(header: string): Record<string, unknown> {
  return JSON.parse(decodeURIComponent(header)) as Record<string, unknown>;
}
