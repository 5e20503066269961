/**
 * What the review screen tells the reader about its actions (STYLE.md §8, a reactive class): the
 * action under way (`busy`), the last failure (`error`), a plain message (`notice`) and a question
 * waiting for an answer (`confirm`). Every api action runs through `guard`, which turns anything
 * thrown into `error`, so a failure is a message, never a blank screen.
 */
import { ApiCallError } from './bridge.ts';
import type { ErrorView } from './viewTypes.ts';

/** A question the reader must answer before an action goes ahead (e.g. a contradicting override). */
export interface PendingConfirm {
  readonly title: string;
  readonly message: string;
  /** Text of the button that goes ahead. */
  readonly confirmLabel: string;
  readonly run: () => Promise<void>;
}

/** Converts anything thrown into an ErrorView. */
export function toErrorView(e: unknown): ErrorView {
  if (e instanceof ApiCallError) return { message: e.message, file: e.file, code: e.code };
  return { message: e instanceof Error ? e.message : String(e) };
}

/** Busy label, error, notice and pending question of the review screen. */
export class AppStatus {
  #busy = $state<string | null>(null);
  #error = $state<ErrorView | null>(null);
  #notice = $state<string | null>(null);
  #confirm = $state.raw<PendingConfirm | null>(null);
  /** Api calls under way (sign-off waits for them: see `settle`). */
  readonly #calls = new Set<Promise<unknown>>();

  /** What is being done now ("Importing…"), or null. */
  get busy() {
    return this.#busy;
  }
  /** The last action's failure, until dismissed or the next action. */
  get error() {
    return this.#error;
  }
  /** A message that is not an error, or null. */
  get notice() {
    return this.#notice;
  }
  /** The question waiting for the reader's answer, if any. */
  get confirm() {
    return this.#confirm;
  }

  /** Runs an api action under a busy label; a failure becomes `error` and the result undefined. */
  async guard<T>(label: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.#busy = label;
    this.#error = null;
    let call: Promise<T> | undefined;
    try {
      call = fn();
      this.#calls.add(call);
      return await call;
    } catch (e) {
      this.#error = toErrorView(e);
      return undefined;
    } finally {
      if (call) this.#calls.delete(call);
      this.#busy = null;
    }
  }

  /** Resolves once every api call under way has settled (succeeded or failed). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#calls]);
  }

  /** Shows a failure that did not come from a guarded call. */
  fail(error: ErrorView): void {
    this.#error = error;
  }

  dismissError(): void {
    this.#error = null;
  }

  /** Shows a message that is not an error (e.g. why a dropped file cannot be opened). */
  note(message: string | null): void {
    this.#notice = message;
  }

  /** Asks the reader before an action goes ahead. */
  ask(question: PendingConfirm): void {
    this.#confirm = question;
  }

  /** Answers the pending question: go ahead (true) or not. */
  async answerConfirm(yes: boolean): Promise<void> {
    const c = this.#confirm;
    this.#confirm = null;
    if (c && yes) await c.run();
  }
}
