/**
 * Reading CSV files in bounded memory, and appending records so that a process killed at any
 * moment leaves at most one torn record at the end, which `scanCsv` finds.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CsvParser } from '@aae-map/shared';

export interface CsvScan {
  /** The first record, if any record is complete. */
  header: string[] | undefined;
  /** Complete records after the header. */
  rows: number;
  /** Byte length of the complete records; anything after is a torn tail. */
  validBytes: number;
  totalBytes: number;
}

/**
 * Streams the records of a CSV file to `onRow` (header excluded). Returns where the complete
 * records end, so a torn tail can be cut off.
 */
export async function scanCsv(file: string, onRow?: (fields: string[]) => void): Promise<CsvScan> {
  const parser = new CsvParser();
  const scan: CsvScan = { header: undefined, rows: 0, validBytes: 0, totalBytes: 0 };
  let chars = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const bytes = Buffer.byteLength(chunk);
    for (const record of parser.push(chunk)) {
      if (scan.header === undefined) scan.header = record;
      else {
        scan.rows++;
        onRow?.(record);
      }
    }
    // Multi-byte characters make char and byte offsets differ; convert within this chunk.
    if (parser.endOffset > chars) scan.validBytes = scan.totalBytes + Buffer.byteLength(chunk.slice(0, parser.endOffset - chars));
    chars += chunk.length;
    scan.totalBytes += bytes;
  }
  return scan;
}

/** The first `bytes` bytes of a file (fewer if it is shorter). */
export async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The header of a CSV file: its first record, if that ends within the first 64 KiB. */
export async function readCsvHeader(file: string): Promise<string[] | undefined> {
  return new CsvParser().push(new TextDecoder().decode(await readHead(file, 1 << 16)))[0];
}

/** Appends whole batches of records with one write each, so a batch is on disk once `write` returns. */
export class CsvAppender {
  private fd: number;

  constructor(
    readonly file: string,
    mode: 'w' | 'a',
  ) {
    this.fd = openSync(file, mode);
  }

  write(data: string | Uint8Array): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off);
    } catch (err) {
      // A write error (a full disk) names no file; the CLI's one-line message needs it.
      (err as NodeJS.ErrnoException).path ??= this.file;
      throw err;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * The complete records of a CSV file, header first, a chunk of the file's records at a time (one
 * await per chunk, not per record), in bounded memory; a torn last record is left out.
 */
export async function* csvRecordChunks(file: string): AsyncGenerator<string[][]> {
  const parser = new CsvParser();
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const records = parser.push(chunk);
    if (records.length > 0) yield records;
  }
}
