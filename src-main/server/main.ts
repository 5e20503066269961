/**
 * Web-mode entry (`metakd web`, `npm run web`, and `npm start` where Electron is absent): builds
 * the renderer if needed, starts the server on 127.0.0.1, prints the URL with the token and opens
 * a browser unless `--no-open`. Runs until SIGINT/SIGTERM.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApiService } from '../api/service.ts';
import { startWebServer } from './webServer.ts';
import { ensureRendererBuilt } from './rendererBuild.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Parsed command-line options of web mode. */
export interface WebArgs {
  readonly port: number;
  readonly open: boolean;
}

/** Parses `[--port N] [--no-open]`; throws a readable Error on anything else. */
export function parseWebArgs(args: readonly string[]): WebArgs {
  let port = 0;
  let open = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--no-open') open = false;
    else if (a === '--port' || a.startsWith('--port=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        throw new Error(`--port needs a whole number 0–65535, got "${v ?? ''}".`);
      }
      port = n;
    } else throw new Error(`unknown option "${a}" (use --port N, --no-open).`);
  }
  return { port, open };
}

/** Opens `url` in the desktop's browser; failures only print a hint (the URL is printed anyway). */
function openBrowser(url: string): void {
  const cmd =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write('Could not open a browser; open the URL above.\n'));
  child.unref();
}

/** Runs web mode until a signal; returns the exit code. */
export async function runWebMode(args: readonly string[]): Promise<number> {
  let parsed: WebArgs;
  try {
    parsed = parseWebArgs(args);
  } catch (e) {
    process.stderr.write(`metakd web: ${(e as Error).message}\n`);
    return 2;
  }
  const outDir = path.join(repoRoot, 'out', 'renderer');
  await ensureRendererBuilt({ root: repoRoot, outDir }, (l) => process.stderr.write(l + '\n'));
  const api = createApiService();
  const server = await startWebServer({
    api,
    port: parsed.port,
    staticDir: outDir,
  });
  process.stdout.write(`MetaKD Review (web mode) listening on ${server.origin}\n`);
  process.stdout.write(`Open: ${server.appUrl}\n`);
  if (parsed.open) openBrowser(server.appUrl);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // The server first (no new calls), then the worker thread and the outbox: a worker left
  // running kept the process alive ~13 s after SIGTERM (issue 12).
  await server.close();
  await api.close?.();
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // No top-level await: the build is CommonJS (vite.config.ts).
  void runWebMode(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
