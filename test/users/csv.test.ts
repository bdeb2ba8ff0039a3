import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from '../../src/admin/csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers records by the line they start on', () => {
    expect(parseCsv('\uFEFFlogin,note\r\na,"one, two"\r\n\r\nb,"say ""hi""\nsecond line"\nc,\n')).toEqual([
      { line: 1, cells: ['login', 'note'] },
      { line: 2, cells: ['a', 'one, two'] },
      { line: 4, cells: ['b', 'say "hi"\nsecond line'] },
      { line: 6, cells: ['c', ''] },
    ]);
  });

  it('reads a last record without a line end, and an empty file as no record', () => {
    expect(parseCsv('x,y')).toEqual([{ line: 1, cells: ['x', 'y'] }]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\n\n')).toEqual([]);
  });

  it('names the line where a quoted field that never closes opens', () => {
    const attempt = () => parseCsv('a,b\nc,"d\ne,f\n');
    expect(attempt).toThrow(CsvSyntaxError);
    expect(attempt).toThrow(expect.objectContaining({ line: 2 }));
  });
});
