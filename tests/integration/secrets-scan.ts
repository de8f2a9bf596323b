// Search bytes or text for secrets, as UTF-8 and as UTF-16LE (SQLite may store
// either), returning the secrets found (never their surroundings).
export function findSecrets(haystack: string | Uint8Array, secrets: readonly string[]): string[] {
  const buf = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  const found: string[] = [];
  for (const s of secrets) {
    if (s.length === 0) continue;
    if (buf.includes(Buffer.from(s, 'utf8')) || buf.includes(Buffer.from(s, 'utf16le'))) found.push(s);
  }
  return found;
}
