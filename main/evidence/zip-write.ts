/**
 * Writing a bundle: yazl with deterministic output — entries sorted by name
 * (byte order), one fixed DOS timestamp (1980-01-01 00:00, no extended
 * timestamp field), regular-file mode 0644, stored (method 0): deflate output
 * depends on the zlib build, so stored entries are what makes the same
 * members give the same zip bytes on every machine and in every time zone.
 * docs/formats/evidence-bundle.md §1 lists every constant of the output;
 * zip-write.test.ts rebuilds the bytes from that table.
 */
import yazl from 'yazl';

/**
 * 1980-01-01 00:00 in local time: yazl encodes DOS times from local fields, so
 * this is the same DOS stamp in every zone. (yazl clamps to its own
 * 1980-01-01 00:00, computed once when loaded: a process whose zone moves
 * east after that would write a later time of day.)
 */
const FIXED_MTIME = () => new Date(1980, 0, 1, 0, 0, 0);

export function writeZip(files: ReadonlyMap<string, Uint8Array> | readonly [string, Uint8Array][]): Promise<Buffer> {
  const list = [...(files instanceof Map ? files.entries() : (files as readonly [string, Uint8Array][]))];
  list.sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const zip = new yazl.ZipFile();
  for (const [name, data] of list) {
    zip.addBuffer(Buffer.from(data.buffer, data.byteOffset, data.byteLength), name, {
      mtime: FIXED_MTIME(),
      mode: 0o100644,
      compress: false,
      forceDosTimestamp: true,
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
