/**
 * What one contract operation is: a summary, the zod schema of its input and
 * of its output, and — for operator actions — how the host records it in the
 * audit log. Each domain file (core/contract/domains/*.ts) defines its
 * operations with `op`; core/contract/index.ts composes the domains.
 */
import type { z } from 'zod';

/**
 * How the host (main/hosts/dispatch.ts) records calls of an operation in the
 * audit log. Operations without it are not recorded.
 */
export interface AuditSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /**
   * 'always' (the default): an operator action, recorded on every call, success or
   * refusal (these make AUDITED_METHODS). 'refused': an operation that changes
   * nothing, recorded only when refused (a preview is where a mistyped action is
   * first refused).
   */
  readonly when?: 'always' | 'refused';
  /** The entry's subject ("key 3f…", "request wr-…"), from the parsed input and the checked output (null when the call failed). */
  subject(input: z.output<I>, output: z.output<O> | null): string;
  /**
   * The local key that signs the call, read from its input (the entry's keyId; kept
   * only when it is a well-formed key id). Absent when nothing signs or the devnet
   * admin signs. Also read from an input that failed to parse, hence the loose type.
   */
  signer?(input: Record<string, unknown>): unknown;
}

export interface Operation<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  A extends AuditSpec<I, O> | undefined = AuditSpec<I, O> | undefined,
> {
  readonly summary: string;
  readonly input: I;
  readonly output: O;
  readonly audit: A;
}

/** Any operation, whatever its schemas. */
export type AnyOperation = Operation<z.ZodType, z.ZodType, AuditSpec | undefined>;

/** A domain's operations: every name is "<domain>.<operation>". */
export type DomainOperations<D extends string> = { readonly [M in `${D}.${string}`]: AnyOperation };

/** One operation of the contract; `audit` makes it recorded in the audit log. */
export function op<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): Operation<I, O, undefined>;
export function op<I extends z.ZodType, O extends z.ZodType>(
  summary: string,
  input: I,
  output: O,
  audit: AuditSpec<I, O> & { readonly when?: 'always' },
): Operation<I, O, AuditSpec<I, O> & { readonly when?: 'always' }>;
export function op<I extends z.ZodType, O extends z.ZodType>(
  summary: string,
  input: I,
  output: O,
  audit: AuditSpec<I, O> & { readonly when: 'refused' },
): Operation<I, O, AuditSpec<I, O> & { readonly when: 'refused' }>;
export function op<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O, audit?: AuditSpec<I, O>): Operation<I, O> {
  return { summary, input, output, audit };
}
