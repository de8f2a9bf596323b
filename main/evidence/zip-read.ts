/**
 * Reading a bundle for verification, entirely in memory: nothing is extracted
 * to disk. yauzl walks the central directory; every entry is inflated with
 * its bytes counted as they arrive, so the caps hold whatever the headers
 * claim (zip bombs, lying sizes). Names are kept as raw bytes (decodeStrings
 * off) and judged by core/evidence/bundle/paths.ts, so every refusal has the
 * verifier's stable reason instead of a library message.
 */
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

function readEntry(zf: yauzl.ZipFile, entry: yauzl.Entry, limits: ZipLimits, budget: number): Promise<ReadOutcome> {
  return new Promise((resolve) => {
    zf.openReadStream(entry, (err, stream) => {
      if (err || !stream) {
        resolve({ error: { reason: 'CORRUPT_ENTRY', detail: err?.message ?? 'cannot open the entry' }, inflated: 0 });
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      let settled = false;
      const finish = (o: ReadOutcome) => {
        if (settled) return;
        settled = true;
        stream.removeAllListeners('data');
        stream.on('error', () => {});
        stream.destroy();
        resolve(o);
      };
      stream.on('data', (c: Buffer) => {
        n += c.length;
        if (n > limits.maxMemberBytes) finish({ error: { reason: 'MEMBER_TOO_LARGE', detail: `inflates to more than ${limits.maxMemberBytes} bytes` }, inflated: n });
        else if (n > budget) finish({ error: { reason: 'TOTAL_TOO_LARGE', detail: 'the archive inflates to more than the total cap' }, stopAll: true, inflated: n });
        else if (n > limits.ratioFloorBytes && n / Math.max(1, entry.compressedSize) > limits.maxRatio) {
          finish({ error: { reason: 'COMPRESSION_RATIO', detail: `inflates more than ${limits.maxRatio}:1 (${entry.compressedSize} compressed bytes)` }, inflated: n });
        } else chunks.push(c);
      });
      stream.on('error', (e: Error) => finish({ error: { reason: 'CORRUPT_ENTRY', detail: e.message }, inflated: n }));
      stream.on('end', () => {
        if (n !== entry.uncompressedSize) finish({ error: { reason: 'HEADER_SIZE_MISMATCH', detail: `inflates to ${n} bytes, the header says ${entry.uncompressedSize}` }, inflated: n });
        else finish({ data: new Uint8Array(Buffer.concat(chunks, n)) });
      });
    });
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

function storedEntry(buf: Uint8Array, entry: yauzl.Entry, limits: ZipLimits, budget: number): ReadOutcome {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = entry.relativeOffsetOfLocalHeader;
  const start = at + 30 + view.readUInt16LE(at + 26) + view.readUInt16LE(at + 28);
  const n = entry.compressedSize;
  if (start + n > buf.length) return { error: { reason: 'CORRUPT_ENTRY', detail: 'the entry\'s data runs past the end of the archive' }, inflated: 0 };
  if (n > limits.maxMemberBytes) return { error: { reason: 'MEMBER_TOO_LARGE', detail: `more than ${limits.maxMemberBytes} bytes` }, inflated: 0 };
  if (n > budget) return { error: { reason: 'TOTAL_TOO_LARGE', detail: 'the archive holds more than the total cap' }, stopAll: true, inflated: n };
  if (n !== entry.uncompressedSize) return { error: { reason: 'HEADER_SIZE_MISMATCH', detail: `stored ${n} bytes, the header says ${entry.uncompressedSize}` }, inflated: n };
  return { data: buf.slice(start, start + n) };
}

/**
 * Read every entry of a zip held in memory into the verifier's input.
 * Never throws for a hostile archive: refusals become entry or archive errors.
 */
export async function readZipEntries(buf: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS, onProgress?: (done: number, total: number) => void): Promise<ContainerInput> {
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
        if (local) base.error = { reason: 'LOCAL_HEADER_MISMATCH', detail: local };
        else if (entry.isEncrypted()) base.error = { reason: 'ENCRYPTED_ENTRY', detail: 'the entry is encrypted' };
        else if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) base.error = { reason: 'UNSUPPORTED_COMPRESSION', detail: `compression method ${entry.compressionMethod}` };
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
          const r = await readEntry(zf, entry, limits, limits.maxTotalBytes - inflatedTotal);
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
  return archiveError ? { entries, error: archiveError } : { entries };
}
