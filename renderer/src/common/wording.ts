/** Small wording helpers: counts with the right plural, the Overview's step details. */

/** "1 entry", "2 entries", "0 keys": the count and its noun, singular only for exactly one. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The "Create three keys" step: "1 of 3 keys in the keystore", then "4 keys in the keystore (3 needed)". */
export function keysStepDetail(n: number): string {
  return n >= 3 ? `${plural(n, 'key')} in the keystore (3 needed)` : `${n} of 3 keys in the keystore`;
}

/** The "Request a withdrawal" step: requests not cancelled, and the cancelled ones apart ("1 request, 1 cancelled"). */
export function requestsStepDetail(requests: readonly { status: string }[]): string {
  const cancelled = requests.filter((r) => r.status === 'cancelled').length;
  const live = plural(requests.length - cancelled, 'request');
  return cancelled > 0 ? `${live}, ${cancelled} cancelled` : live;
}
