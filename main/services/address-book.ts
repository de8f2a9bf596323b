/**
 * The workspace's address book: named withdrawal destinations, kept in
 * workspace.db (table address_book, migration 2). Names and destinations are
 * unique (names case-insensitively), so a name always means one destination
 * and a destination is never shown under two names. The chain never sees the
 * names: a withdrawal carries the destination itself.
 */
import type { AddressEntry } from '../../core/contract/index.js';
import { CharterError } from '../../core/errors.js';
import type { Workspace } from '../workspace/workspace.js';

interface Row {
  name: string;
  destination: string;
  note: string;
  created_at: string;
}

const view = (r: Row): AddressEntry => ({ name: r.name, destination: r.destination, note: r.note, createdAt: r.created_at });

export class AddressBook {
  constructor(
    private readonly ws: Workspace,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  list(): AddressEntry[] {
    return (this.ws.db.prepare('SELECT * FROM address_book ORDER BY name COLLATE NOCASE').all() as Row[]).map(view);
  }

  add(input: { name: string; destination: string; note?: string | undefined }): AddressEntry {
    const db = this.ws.db;
    return db.transaction((): AddressEntry => {
      const byName = db.prepare('SELECT * FROM address_book WHERE name = ?').get(input.name) as Row | undefined;
      if (byName) throw new CharterError('ADDRESS_EXISTS', `the address book already names "${byName.name}" (${byName.destination})`);
      const byDest = db.prepare('SELECT * FROM address_book WHERE destination = ?').get(input.destination) as Row | undefined;
      if (byDest) throw new CharterError('ADDRESS_EXISTS', `${input.destination} is already in the address book as "${byDest.name}"`);
      const row: Row = { name: input.name, destination: input.destination, note: input.note ?? '', created_at: this.clock().toISOString() };
      db.prepare('INSERT INTO address_book (name, destination, note, created_at) VALUES (?, ?, ?, ?)').run(row.name, row.destination, row.note, row.created_at);
      return view(row);
    })();
  }

  remove(name: string): AddressEntry {
    const db = this.ws.db;
    return db.transaction((): AddressEntry => {
      const row = db.prepare('SELECT * FROM address_book WHERE name = ?').get(name) as Row | undefined;
      if (!row) throw new CharterError('NOT_FOUND', `the address book has no entry named "${name}"`);
      db.prepare('DELETE FROM address_book WHERE name = ?').run(row.name);
      return view(row);
    })();
  }
}
