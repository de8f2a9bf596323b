import { useCallback, useRef, useState } from 'react';
import type { SerializedError } from '../../../core/contract/index.js';
import { toSerializedError } from '../transport/index.js';

export interface Submit {
  /** True while a submission runs (the submit button says so and is disabled). */
  busy: boolean;
  /** What the last submission (or a check before it) refused, shown in the dialog. */
  error: SerializedError | null;
  setError: (error: SerializedError | null) => void;
  /**
   * Run one submission: ignored while another runs; clears the error, sets
   * busy, awaits `work`; if it throws, shows the error (as the contract's
   * SerializedError) and calls `onError` with it; busy is cleared either way.
   * Secrets are read by the caller (takeSecret) before it calls run.
   */
  run: (work: () => Promise<void>, onError?: (error: SerializedError) => void) => Promise<void>;
}

/** A dialog's busy / error / submit cycle, in one place. */
export function useSubmit(): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SerializedError | null>(null);
  const running = useRef(false);
  const run = useCallback(async (work: () => Promise<void>, onError?: (error: SerializedError) => void) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      const s = toSerializedError(err);
      setError(s);
      onError?.(s);
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
