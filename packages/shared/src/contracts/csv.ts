/**
 * RFC 4180 CSV: fields containing a comma, quote, CR or LF are quoted, quotes doubled, records
 * end with CRLF. The parser is incremental so that a large points.csv is read in bounded memory
 * and a torn last record (a run killed mid-write) can be told apart from a complete one.
 */

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Leading characters that make a spreadsheet read a cell as a formula (OWASP, "CSV injection"). */
const FORMULA_LEAD = /^[=+\-@\t\r]/;

/**
 * embed --safe-csv's form of a text cell: a ' in front of a formula lead, as OWASP recommends,
 * and in front of a leading ' too, so that dropping one leading ' (unguardCell) always gives
 * the text back.
 */
export function guardCell(text: string): string {
  return FORMULA_LEAD.test(text) || text.startsWith("'") ? `'${text}` : text;
}

export function unguardCell(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}

export type CellWriter = 'plain' | 'guarded' | 'either';

/**
 * Which way of writing could have produced `cell`: only 'plain' (verbatim) for a formula lead
 * or a ' before anything guardCell leaves alone, only 'guarded' for a ' before what guardCell
 * guards, 'either' otherwise. How --resume tells which mode wrote a file.
 */
export function cellWriter(cell: string): CellWriter {
  if (FORMULA_LEAD.test(cell)) return 'plain';
  if (!cell.startsWith("'")) return 'either';
  return guardCell(cell.slice(1)) !== cell.slice(1) ? 'guarded' : 'plain';
}

/**
 * Splits CSV text into records, fed in chunks. `push` returns the records completed by the
 * chunk; `endOffset` is the number of characters consumed up to the end of the last complete
 * record, so anything after it is a torn tail.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  /** The previous chunk ended on a quote inside a quoted field: either "" or the closing quote. */
  private pendingQuote = false;
  /** The previous chunk ended on CR outside quotes. */
  private pendingCr = false;
  private consumed = 0;
  /** Characters consumed up to the end of the last complete record. */
  endOffset = 0;

  push(chunk: string): string[][] {
    const out: string[][] = [];
    let i = 0;
    const n = chunk.length;
    const endRecord = (at: number) => {
      this.record.push(this.field);
      out.push(this.record);
      this.record = [];
      this.field = '';
      this.endOffset = this.consumed + at;
    };
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk[0] === '\n') {
        endRecord(1);
        i = 1;
      } else {
        this.field += '\r';
      }
    }
    if (this.pendingQuote) {
      this.pendingQuote = false;
      if (chunk[0] === '"') {
        this.field += '"';
        i = 1;
      } else {
        this.inQuotes = false;
      }
    }
    while (i < n) {
      if (this.inQuotes) {
        const q = chunk.indexOf('"', i);
        if (q < 0) {
          this.field += chunk.slice(i);
          i = n;
          break;
        }
        this.field += chunk.slice(i, q);
        if (q + 1 === n) {
          this.pendingQuote = true;
          i = n;
        } else if (chunk[q + 1] === '"') {
          this.field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      const c = chunk[i]!;
      if (c === ',') {
        this.record.push(this.field);
        this.field = '';
        i++;
      } else if (c === '"' && this.field === '') {
        this.inQuotes = true;
        i++;
      } else if (c === '\n') {
        endRecord(i + 1);
        i++;
      } else if (c === '\r') {
        if (i + 1 === n) {
          this.pendingCr = true;
          i++;
        } else if (chunk[i + 1] === '\n') {
          endRecord(i + 2);
          i += 2;
        } else {
          this.field += c;
          i++;
        }
      } else {
        // Plain run of characters up to the next special one.
        let j = i + 1;
        while (j < n && !',"\r\n'.includes(chunk[j]!)) j++;
        this.field += chunk.slice(i, j);
        i = j;
      }
    }
    this.consumed += n;
    return out;
  }
}

/** Parses a whole CSV string; a final record without a line break is included. */
export function parseCsv(text: string): string[][] {
  const p = new CsvParser();
  const rows = p.push(text);
  const tail = text.slice(p.endOffset);
  if (tail.length > 0) rows.push(...p.push('\n'));
  return rows;
}
