/**
 * The atoms of the engine's body schemas (zod), shared by every module's
 * spec: a body field is present and of the right JSON type; content rules are
 * the module's, answered with their own codes.
 */
import { z } from 'zod';

/** A lone UTF-16 surrogate: strings carrying one have no UTF-8 form. */
const LONE_SURROGATE_RE = /\p{Cs}/u;

/** A string with a UTF-8 form (no lone UTF-16 surrogate). */
export const str = z.string().refine((s) => !LONE_SURROGATE_RE.test(s), 'contains a lone UTF-16 surrogate');
/** A JSON integer 0 … 2^53 − 1. */
export const int = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
