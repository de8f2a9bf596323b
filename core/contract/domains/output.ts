/**
 * The contract's `output.*` operations. The Output panel.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty } from '../shapes.js';

export const OutputLine = z.object({
  time: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  source: z.string(),
  message: z.string(),
});
export type OutputLine = z.infer<typeof OutputLine>;

export const operations = {
  'output.recent': op('Recent lines of the Output panel', Empty, z.object({ lines: z.array(OutputLine) })),
} as const satisfies DomainOperations<'output'>;
