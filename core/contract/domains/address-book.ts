/**
 * The contract's `addressBook.*` operations. The workspace's named destinations.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, LABEL_FORBIDDEN, Destination } from '../shapes.js';

/** A named destination of the workspace's address book. */
export const AddressEntry = z.object({
  name: z.string(),
  destination: z.string(),
  note: z.string(),
  createdAt: z.string(),
});
export type AddressEntry = z.infer<typeof AddressEntry>;
/** The key Label's rule: no C0/DEL/C1 controls, no bidirectional marks or line/paragraph separators. */
const AddressName = z
  .string()
  .trim()
  .min(1, 'required')
  .max(64)
  .refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters');

export const operations = {
  'addressBook.list': op("The workspace's named destinations, by name", Empty, z.object({ entries: z.array(AddressEntry) })),
  'addressBook.add': op(
    "Add a named destination to the workspace's address book (names and destinations are unique)",
    z
      .object({
        name: AddressName,
        destination: Destination,
        note: z
          .string()
          .trim()
          .max(256)
          .refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters')
          .default(''),
      })
      .strict(),
    AddressEntry,
    { subject: (i) => `address "${String(i['name'])}"` },
  ),
  'addressBook.remove': op('Remove a named destination from the address book', z.object({ name: AddressName }).strict(), z.object({ removed: AddressEntry }), {
    subject: (i) => `address "${String(i['name'])}"`,
  }),
} as const satisfies DomainOperations<'addressBook'>;
