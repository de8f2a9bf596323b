/**
 * Secret fields of the contract's inputs (passphrases, PINs): they travel from
 * the input field to the host and are never logged, audited, stored or sent back.
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['passphrase', 'confirmPassphrase', 'secret', 'pin', 'proposerSecret']);

/** Replace secret fields with "[redacted]" — for logs, audit details and crash reports. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_FIELDS.has(k) ? '[redacted]' : redactSecrets(v);
    }
    return out;
  }
  return value;
}
