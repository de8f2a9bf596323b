/**
 * Reading a bundle for verification, entirely in memory: nothing is extracted
 * to disk. yauzl walks the central directory; the entries' data we take from
 * the buffer ourselves (after the local header, as long as the central
 * directory's compressed size says, bounds checked) and inflate with
 * node:zlib, counting the bytes produced and the compressed bytes zlib has
 * actually consumed, so the caps and the ratio hold whatever the headers claim
 * (zip bombs, lying sizes). Every entry's CRC-32 is checked against the
 * central directory. Names are kept as raw bytes (decodeStrings off) and
 * judged by core/evidence/bundle/paths.ts, so every refusal has the verifier's
 * stable reason instead of a library message. docs/formats/evidence-bundle.md
 * §5 step 1 is the normative text.
 */
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { ContainerInput, ContainerReason, ZipEntryInput } from '../../core/evidence/bundle/types.js';

export interface ZipLimits {
  /** Most entries an archive may have. */
  maxEntries: number;
  /** Most inflated bytes of one entry. */
  maxMemberBytes: number;
  /** Most inflated bytes of all entries together. */
  maxTotalBytes: number;
  /** Most inflated bytes per compressed byte of an entry, once the entry is over ratioFloorBytes. */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 100_000,
  maxMemberBytes: 64 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
};

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function decodeName(raw: Buffer, generalPurposeBitFlag: number): { name: string; valid: boolean } {
  // Bit 11 says UTF-8; without it the name is CP437, which we accept only when it is plain ASCII.
  try {
    const name = utf8Strict.decode(raw);
    const ascii = /^[\x00-\x7f]*$/.test(name);
    return { name, valid: ascii || (generalPurposeBitFlag & 0x800) !== 0 };
  } catch {
    return { name: raw.toString('latin1'), valid: false };
  }
}

function open(buf: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, strictFileNames: false, autoClose: false }, (err, zf) => {
      if (err || !zf) reject(err ?? new Error('no zip file'));
      else resolve(zf);
    });
  });
}

type ReadOutcome = { data: Uint8Array } | { error: { reason: ContainerReason; detail: string }; stopAll?: boolean; inflated: number };
type Refusal = Exclude<ReadOutcome, { data: Uint8Array }>;

const refuse = (reason: ContainerReason, detail: string, inflated: number, stopAll = false): Refusal => ({
  error: { reason, detail },
  inflated,
  ...(stopAll ? { stopAll } : {}),
});

/**
 * Where the entry's data lies, from its local header (whose name and extra
 * field lengths may differ from the central directory's) and the central
 * directory's compressed size; null when that runs past the archive.
 */
function dataSlice(buf: Uint8Array, entry: yauzl.Entry): Uint8Array | null {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = entry.relativeOffsetOfLocalHeader;
  const start = at + 30 + view.readUInt16LE(at + 26) + view.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > buf.length) return null;
  return buf.subarray(start, end);
}

/** The checks every entry ends with, stored or deflated: the size the central directory claims, then its CRC-32. */
function finalChecks(entry: yauzl.Entry, data: Uint8Array, what: string): ReadOutcome {
  if (data.length !== entry.uncompressedSize)
    return refuse('HEADER_SIZE_MISMATCH', `${what} ${data.length} bytes, the header says ${entry.uncompressedSize}`, data.length);
  const crc = zlib.crc32(data) >>> 0;
  if (crc !== entry.crc32 >>> 0)
    return refuse('CRC_MISMATCH', `CRC-32 of the data is ${hex8(crc)}, the central directory says ${hex8(entry.crc32 >>> 0)}`, data.length);
  return { data };
}
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

function storedEntry(buf: Uint8Array, entry: yauzl.Entry, limits: ZipLimits, budget: number): ReadOutcome {
  const slice = dataSlice(buf, entry);
  if (slice === null) return refuse('CORRUPT_ENTRY', "the entry's data runs past the end of the archive", 0);
  const n = slice.length;
  if (n > limits.maxMemberBytes) return refuse('MEMBER_TOO_LARGE', `more than ${limits.maxMemberBytes} bytes`, 0);
  if (n > budget) return refuse('TOTAL_TOO_LARGE', 'the archive holds more than the total cap', n, true);
  // A copy (Buffer#slice would be a view): the verifier's input must not alias the archive buffer.
  return finalChecks(entry, new Uint8Array(slice), 'stored');
}

/**
 * Inflate a deflate entry ourselves over exactly its data bytes, counting as
 * we go the bytes produced and the compressed bytes zlib has consumed (not
 * what the headers claim): the caps and the ratio hold whatever the headers
 * say. Resolves, never rejects.
 */
function deflatedEntry(buf: Uint8Array, entry: yauzl.Entry, limits: ZipLimits, budget: number): Promise<ReadOutcome> {
  const slice = dataSlice(buf, entry);
  if (slice === null) return Promise.resolve(refuse('CORRUPT_ENTRY', "the entry's data runs past the end of the archive", 0));
  return new Promise((resolve) => {
    const inflate = zlib.createInflateRaw();
    const chunks: Buffer[] = [];
    let n = 0;
    let settled = false;
    const finish = (o: ReadOutcome) => {
      if (settled) return;
      settled = true;
      inflate.removeAllListeners('data');
      inflate.removeAllListeners('end');
      inflate.on('error', () => {});
      inflate.destroy();
      resolve(o);
    };
    inflate.on('data', (c: Buffer) => {
      n += c.length;
      const consumed = inflate.bytesWritten;
      if (n > limits.maxMemberBytes) finish(refuse('MEMBER_TOO_LARGE', `inflates to more than ${limits.maxMemberBytes} bytes`, n));
      else if (n > budget) finish(refuse('TOTAL_TOO_LARGE', 'the archive inflates to more than the total cap', n, true));
      else if (n > limits.ratioFloorBytes && n / Math.max(1, consumed) > limits.maxRatio) {
        finish(refuse('COMPRESSION_RATIO', `inflates more than ${limits.maxRatio}:1 (${n} bytes out of ${consumed} compressed bytes)`, n));
      } else chunks.push(c);
    });
    inflate.on('error', (e: Error) => finish(refuse('CORRUPT_ENTRY', `the deflate data is damaged: ${e.message}`, n)));
    inflate.on('end', () => {
      const consumed = inflate.bytesWritten;
      const data = new Uint8Array(Buffer.concat(chunks, n));
      const r = finalChecks(entry, data, 'inflates to');
      if ('data' in r && consumed !== slice.length) {
        finish(refuse('HEADER_SIZE_MISMATCH', `the deflate data ends after ${consumed} bytes, the header says ${slice.length}`, n));
      } else finish(r);
    });
    inflate.end(slice);
  });
}

/**
 * Unzip tools read names from the local headers, we from the central
 * directory: an archive where the two disagree shows other files to whoever
 * extracts it than to the verifier, so it is refused.
 */
function localHeaderProblem(buf: Uint8Array, entry: yauzl.Entry, centralName: Buffer): string | null {
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > buf.length) return 'the local header lies outside the archive';
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.readUInt32LE(at) !== 0x04034b50) return 'no local header where the central directory points';
  const n = view.readUInt16LE(at + 26);
  if (at + 30 + n > buf.length) return 'the local header name lies outside the archive';
  if (!view.subarray(at + 30, at + 30 + n).equals(centralName)) return 'the local header names another file than the central directory';
  if (view.readUInt16LE(at + 8) !== entry.compressionMethod) return 'the local header has another compression method than the central directory';
  return null;
}

/** Info-ZIP Unicode Path (0x7075) and Unicode Comment (0x6375) extra fields: unzip tools show their name instead of the header's. */
const ALTERNATE_NAME_FIELDS = new Set([0x7075, 0x6375]);

function extraFieldIds(raw: Buffer): number[] {
  const ids: number[] = [];
  for (let i = 0; i + 4 <= raw.length;) {
    ids.push(raw.readUInt16LE(i));
    i += 4 + raw.readUInt16LE(i + 2);
  }
  return ids;
}

/** Whether the central or the local header carries an extra field that gives the entry another name. */
function alternateNameProblem(buf: Uint8Array, entry: yauzl.Entry): string | null {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = entry.relativeOffsetOfLocalHeader;
  const n = view.readUInt16LE(at + 26);
  const m = view.readUInt16LE(at + 28);
  const local = at + 30 + n + m <= view.length ? extraFieldIds(view.subarray(at + 30 + n, at + 30 + n + m)) : [];
  const central = entry.extraFields.map((f) => f.id);
  const id = [...central, ...local].find((x) => ALTERNATE_NAME_FIELDS.has(x));
  return id === undefined
    ? null
    : `an extra field 0x${id.toString(16).padStart(4, '0')} (Info-ZIP Unicode ${id === 0x7075 ? 'Path' : 'Comment'}) would show unzip tools another name than the one verified`;
}

/** Where an entry's bytes end: local header, name, extra field, data, and its data descriptor when flag bit 3 is set. */
function entryEnd(buf: Uint8Array, entry: yauzl.Entry): number {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = entry.relativeOffsetOfLocalHeader;
  let end = at + 30 + view.readUInt16LE(at + 26) + view.readUInt16LE(at + 28) + entry.compressedSize;
  if (entry.generalPurposeBitFlag & 0x8) end += end + 4 <= view.length && view.readUInt32LE(end) === 0x08074b50 ? 16 : 12;
  return end;
}

/**
 * Read every entry of a zip held in memory into the verifier's input.
 * Never throws for a hostile archive: refusals become entry or archive errors.
 */
export async function readZipEntries(
  buf: Uint8Array,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
  onProgress?: (done: number, total: number) => void,
): Promise<ContainerInput> {
  let zf: yauzl.ZipFile;
  try {
    zf = await open(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (e) {
    return { entries: [], error: { reason: 'NOT_A_ZIP', detail: `not a readable zip: ${(e as Error).message}` } };
  }
  const total = zf.entryCount;
  if (total > limits.maxEntries) {
    zf.close();
    return { entries: [], error: { reason: 'TOO_MANY_ENTRIES', detail: `${total} entries, the cap is ${limits.maxEntries}` } };
  }
  // Where the central directory starts (yauzl's cursor before the first entry is read).
  const centralDirectoryOffset = (zf as unknown as { readEntryCursor: number }).readEntryCursor;
  const spans: [number, number, string][] = [];
  const entries: ZipEntryInput[] = [];
  let inflatedTotal = 0;
  let archiveError: ContainerInput['error'];
  await new Promise<void>((resolve) => {
    const done = (e?: Error) => {
      if (e && !archiveError) archiveError = { reason: 'NOT_A_ZIP', detail: `the central directory is damaged: ${e.message}` };
      resolve();
    };
    zf.on('error', done);
    zf.on('end', () => done());
    zf.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        const raw = entry.fileName as unknown as Buffer;
        const { name, valid } = decodeName(raw, entry.generalPurposeBitFlag);
        const base: ZipEntryInput = {
          name,
          nameValid: valid,
          versionMadeBy: entry.versionMadeBy,
          externalAttributes: entry.externalFileAttributes,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          data: null,
        };
        const local = localHeaderProblem(buf, entry, raw);
        const alternate = local ? null : alternateNameProblem(buf, entry);
        if (!local) spans.push([entry.relativeOffsetOfLocalHeader, entryEnd(buf, entry), name]);
        if (local) base.error = { reason: 'LOCAL_HEADER_MISMATCH', detail: local };
        else if (alternate) base.error = { reason: 'ALTERNATE_NAME', detail: alternate };
        else if (entry.isEncrypted()) base.error = { reason: 'ENCRYPTED_ENTRY', detail: 'the entry is encrypted' };
        else if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
          base.error = { reason: 'UNSUPPORTED_COMPRESSION', detail: `compression method ${entry.compressionMethod}` };
        else if (entry.compressionMethod === 0) {
          // Stored: the bytes are in the buffer already; slice them (bounds checked) instead of streaming.
          const r = storedEntry(buf, entry, limits, limits.maxTotalBytes - inflatedTotal);
          if ('data' in r) {
            base.data = r.data;
            inflatedTotal += r.data.length;
          } else {
            base.error = r.error;
            if (r.stopAll) archiveError = r.error;
          }
        } else {
          const r = await deflatedEntry(buf, entry, limits, limits.maxTotalBytes - inflatedTotal);
          if ('data' in r) {
            base.data = r.data;
            inflatedTotal += r.data.length;
          } else {
            base.error = r.error;
            inflatedTotal += r.inflated;
            if (r.stopAll) archiveError = r.error;
          }
        }
        entries.push(base);
        onProgress?.(entries.length, total);
        if (archiveError) resolve();
        else zf.readEntry();
      })();
    });
    zf.readEntry();
  });
  zf.close();
  if (!archiveError && entries.every((e) => e.error?.reason !== 'LOCAL_HEADER_MISMATCH')) {
    // The entries must tile the archive up to the central directory: a local entry the central directory
    // does not list (which a streaming reader would extract) or bytes hidden between entries tell another story.
    spans.sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [start, end, name] of spans) {
      if (start !== at) {
        archiveError = {
          reason: 'UNLISTED_DATA',
          detail:
            start > at
              ? `bytes ${at}–${start - 1} before the entry ${JSON.stringify(name).slice(0, 80)} belong to no listed entry (a hidden local entry or other data)`
              : `the entry ${JSON.stringify(name).slice(0, 80)} overlaps the one before it`,
        };
        break;
      }
      at = end;
    }
    if (!archiveError && at !== centralDirectoryOffset)
      archiveError = {
        reason: 'UNLISTED_DATA',
        detail: `bytes ${at}–${centralDirectoryOffset - 1} between the last entry and the central directory belong to no listed entry`,
      };
  }
  return archiveError ? { entries, error: archiveError } : { entries };
}
