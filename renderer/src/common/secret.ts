/** Read a password field once and clear it: the value never enters React state or the store. */
export function takeSecret(ref: { current: HTMLInputElement | null }): string {
  const el = ref.current;
  if (!el) return '';
  const v = el.value;
  el.value = '';
  return v;
}
