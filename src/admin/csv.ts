/** One record of a CSV file: its cells, and the line it starts on (1-based), for messages a person can find. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** A CSV file that cannot be read at all (an unterminated quote), with the line where the trouble starts. */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * RFC 4180 CSV, as spreadsheets write it: comma-separated, fields in double quotes may hold commas, line breaks
 * and doubled quotes (`""`); CRLF or LF line ends; a UTF-8 byte order mark (Excel's "CSV UTF-8") is ignored. Blank
 * lines are skipped.
 */
export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let cells: string[] = [];
  let cell = '';
  let start = 1;
  let quotedAt = 0; // the line a quoted field opened on, 0 outside quotes
  let touched = false; // the record has any content (so a blank line is no record)

  const endCell = () => {
    cells.push(cell);
    cell = '';
  };
  const endRecord = () => {
    endCell();
    if (touched || cells.length > 1) records.push({ line: start, cells });
    cells = [];
    touched = false;
  };

  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quotedAt) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          cell += '"';
          i++;
        } else quotedAt = 0;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') {
      quotedAt = line;
      touched = true;
    } else if (c === ',') {
      endCell();
      touched = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      cell += c;
      touched = true;
    }
  }
  if (quotedAt) throw new CsvSyntaxError(quotedAt, 'a quoted field opened here is never closed');
  if (touched || cell !== '' || cells.length > 0) endRecord();
  return records;
}

/**
 * One CSV record (RFC 4180) with its CRLF. A cell a spreadsheet would run as a formula (starting with = + - @, a
 * tab or a carriage return) gets a leading apostrophe: audit details hold what visitors typed.
 */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
