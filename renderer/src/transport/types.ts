import type { CallResult, ContractClient, EventName, EventPayload, MethodName, SerializedError } from '../../../core/contract/index.js';

/** State of the renderer's link to its host (not the host's link to the node). */
export type HostConnection =
  { state: 'connecting'; attempt: number } | { state: 'open' } | { state: 'closed'; retryInMs: number; reason: string } | { state: 'no-token' };

/** What the app gets: the contract, plus the state of the link to the host. */
export interface RendererClient extends ContractClient {
  readonly kind: 'electron' | 'websocket';
  connection(): HostConnection;
  onConnection(listener: (c: HostConnection) => void): () => void;
  /** Retry now instead of waiting for the backoff timer. */
  reconnect(): void;
}

/** A failed call, carrying the host's {code, message, hint, details}. */
export class ContractCallError extends Error {
  readonly error: SerializedError;
  constructor(error: SerializedError) {
    super(`${error.code}: ${error.message}`);
    this.name = 'ContractCallError';
    this.error = error;
  }
}

/** Normalise anything thrown by a call into a SerializedError for display. */
export function toSerializedError(e: unknown): SerializedError {
  if (e instanceof ContractCallError) return e.error;
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message, hint: 'The Output panel has details. Nothing was changed.' };
}

export function unwrap<T>(result: CallResult<T>): T {
  if (result.ok) return result.value;
  throw new ContractCallError(result.error);
}

/** The Electron preload's bridge, exactly as preload/ exposes it. */
export interface CharterBridge {
  methods: Record<MethodName, (input: unknown) => Promise<CallResult<unknown>>>;
  on(event: EventName, cb: (payload: unknown) => void): () => void;
  platform: string;
}

declare global {
  interface Window {
    charter?: CharterBridge;
  }
}

export type Listener<E extends EventName> = (payload: EventPayload<E>) => void;
