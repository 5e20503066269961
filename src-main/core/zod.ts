/**
 * The schema library every module validates with: zod's functional build (zod/mini), with zod's
 * English messages. Why mini and not zod's method-chaining API: that API binds some forty methods
 * onto every schema it creates and carries most of zod into any process that validates one call,
 * which cost a one-shot `metakd inspect` about 14 ms of its start (issue 13). zod/mini builds the
 * same schemas (same checks, same issues) at a fraction of the cost.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini leaves messages to the application ("Invalid input"); the full library's are English.
z.config(en());

export { z };
