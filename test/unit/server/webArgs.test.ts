/** `metakd web` options: port and no-open parse; anything else is a readable error. */
import { describe, expect, it } from 'vitest';
import { parseWebArgs } from '../../../src-main/server/main.ts';

describe('parseWebArgs', () => {
  it('defaults to a free port and opening a browser', () => {
    expect(parseWebArgs([])).toEqual({ port: 0, open: true });
  });
  it('reads --port N, --port=N and --no-open', () => {
    expect(parseWebArgs(['--port', '8080', '--no-open'])).toEqual({ port: 8080, open: false });
    expect(parseWebArgs(['--port=9000'])).toEqual({ port: 9000, open: true });
  });
  it('refuses bad ports and unknown options', () => {
    expect(() => parseWebArgs(['--port', 'x'])).toThrow(/whole number/);
    expect(() => parseWebArgs(['--port', '70000'])).toThrow(/0–65535/);
    expect(() => parseWebArgs(['--host', '0.0.0.0'])).toThrow(/unknown option "--host"/);
  });
});
