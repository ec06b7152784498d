/**
 * Reading CSV files in bounded memory, and appending records so that a process killed at any
 * moment leaves at most one torn record at the end, which `scanCsv` finds.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
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

/** Appends whole batches of records with one write each, so a batch is on disk once `write` returns. */
export class CsvAppender {
  private fd: number;

  constructor(readonly file: string, mode: 'w' | 'a') {
    this.fd = openSync(file, mode);
  }

  write(data: string | Uint8Array): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
