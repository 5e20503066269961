/**
 * Server-sent-event hub: every api event (job progress, job end) goes to every open event stream of
 * this run. One user, one machine: the renderer filters by jobId, so a broadcast is enough and a
 * reload of the page keeps receiving the progress of a job started before it.
 */
import type { ServerResponse } from 'node:http';
import type { ApiEvent } from '../api/contract.ts';

/** Interval of the keep-alive comment, so idle proxies and browsers keep the stream open. */
const HEARTBEAT_MS = 15_000;

/** Fan-out of api events to SSE streams. */
export class EventHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => this.#writeAll(': keep-alive\n\n'), HEARTBEAT_MS);
    this.#timer.unref();
  }

  /** Number of open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /** Turns `res` into an event stream and keeps it until the client goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    // A first comment flushes the headers so EventSource reports "open" at once.
    res.write(': connected\n\n');
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  /** Sends one event to every stream. */
  publish(event: ApiEvent): void {
    this.#writeAll(`data: ${JSON.stringify(event)}\n\n`);
  }

  /** Ends every stream and stops the heartbeat. */
  close(): void {
    clearInterval(this.#timer);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #writeAll(chunk: string): void {
    for (const res of this.#clients) res.write(chunk);
  }
}
