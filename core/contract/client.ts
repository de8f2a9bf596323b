/**
 * The typed client of the contract, over any host: give it something that
 * executes a call and answers with a CallResult — the in-process dispatch
 * (`charter.dispatch`), a WebSocket to `charter serve`, the Electron bridge —
 * and call operations with their real types:
 *
 *     const api = contractApi(charter.dispatch);
 *     const { keys } = await api.keys.list();          // typed: KeyView[]
 *     const r = await api.call('custody.approve', {…}); // the same, by method name
 *
 * A refused call rejects with a CallError (a CharterError: code, message,
 * hint, details; plus the method and, for INTERNAL, the error id).
 */
import { CharterError, isErrorCode, type SerializedError } from '../errors.js';
import { domains, type CallResult, type Domain, type DomainMethod, type MethodInput, type MethodName, type MethodOutput } from './index.js';

/** Executes one contract call: method name and raw input in, the host's CallResult out. */
export type DispatchLike = (method: MethodName, input: unknown) => Promise<CallResult<unknown>>;

/** An operation's arguments: its input, optional when the operation takes none (or only optional fields). */
// `{} extends Input` asks whether every field of the input is optional.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type InputArgs<M extends MethodName> = {} extends MethodInput<M> ? [input?: MethodInput<M>] : [input: MethodInput<M>];

/** One domain's operations as functions: `api.keys.list(input)`. */
export type DomainApi<D extends Domain> = {
  readonly [M in DomainMethod<D> as M extends `${D}.${infer Name}` ? Name : never]: (...args: InputArgs<M>) => Promise<MethodOutput<M>>;
};

export type ContractApi = { readonly [D in Domain]: DomainApi<D> } & {
  /** Call an operation by name. */
  call<M extends MethodName>(method: M, ...args: InputArgs<M>): Promise<MethodOutput<M>>;
  /** Call an operation by name and get the host's CallResult as it is (for tests of refusals). */
  result<M extends MethodName>(method: M, ...args: InputArgs<M>): Promise<CallResult<MethodOutput<M>>>;
};

/** A refused contract call, as a CharterError (so hosts print it as their own errors), with the method it answers. */
export class CallError extends CharterError {
  readonly method: MethodName;
  readonly error: SerializedError;
  constructor(method: MethodName, error: SerializedError) {
    super(isErrorCode(error.code) ? error.code : 'INTERNAL', error.message, error.details);
    this.name = 'CallError';
    this.method = method;
    this.error = error;
  }
  /** INTERNAL: the id under which the host's error log keeps the message and stack. */
  get errorId(): string | undefined {
    return this.error.errorId;
  }
}

/** The typed client over `dispatch`. */
export function contractApi(dispatch: DispatchLike): ContractApi {
  const result = (method: MethodName, input: unknown) => dispatch(method, input === undefined ? {} : input);
  const call = async (method: MethodName, input: unknown): Promise<unknown> => {
    const r = await result(method, input);
    if (!r.ok) throw new CallError(method, r.error);
    return r.value;
  };
  const api: Record<string, unknown> = { call, result };
  for (const [domain, ops] of Object.entries(domains)) {
    const fns: Record<string, (input?: unknown) => Promise<unknown>> = {};
    for (const method of Object.keys(ops)) fns[method.slice(domain.length + 1)] = (input?: unknown) => call(method as MethodName, input);
    api[domain] = Object.freeze(fns);
  }
  return Object.freeze(api) as unknown as ContractApi;
}
