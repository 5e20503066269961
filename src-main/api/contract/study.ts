/**
 * Contract: importing studies, sequence detection and slot assignment.
 * Owner: the import/sequence work (issue 2). Types only from core (`import type`).
 */
import { z } from 'zod';
import { method } from './method.ts';

/** Methods of the study part of the api. */
export const studyMethods = {
  ping: method<{ readonly ok: true; readonly version: string }>()(
    z.object({}).strict(),
    'Checks that the service answers; returns the app version.',
  ),
} as const;
