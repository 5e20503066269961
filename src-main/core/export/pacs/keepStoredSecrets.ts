/**
 * Editing a destination without retyping its secret (pure function): the destinations list shows
 * passwords and tokens masked (`redact`), and an edit form sends back what it shows. A secret that
 * comes back exactly as the mask of the stored one means "unchanged" and keeps the stored secret.
 */
import { redact, type Destination, type DestinationInput } from './Destination.ts';

/** `input` with masked secrets replaced by those of `stored` (the destination being edited). */
export function keepStoredSecrets(
  input: DestinationInput,
  stored: Destination | undefined,
): DestinationInput {
  if (input.kind !== 'dicomweb' || !input.auth || stored?.kind !== 'dicomweb') return input;
  const redacted = redact(stored);
  if (redacted.kind !== 'dicomweb') return input;
  const shown = redacted.auth;
  const a = input.auth;
  if (a.type === 'basic' && stored.auth.type === 'basic' && shown.type === 'basic') {
    const masked = shown.password !== '' && a.password === shown.password;
    return masked ? { ...input, auth: { ...a, password: stored.auth.password } } : input;
  }
  if (a.type === 'bearer' && stored.auth.type === 'bearer' && shown.type === 'bearer') {
    return a.token === shown.token ? { ...input, auth: { ...a, token: stored.auth.token } } : input;
  }
  return input;
}
