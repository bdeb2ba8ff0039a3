/**
 * Active Directory's objectGUID: 16 bytes, whose canonical text (as AD's tools print it) has the first three groups
 * little-endian: bytes 00 01 02 03 04 05 06 07 … read `03020100-0504-0706-…`.
 */
export function guidText(bytes: Buffer): string | undefined {
  if (bytes.length !== 16) return undefined;
  const reversed = (start: number, end: number) => Buffer.from(bytes.subarray(start, end)).reverse().toString('hex');
  const plain = (start: number, end: number) => bytes.subarray(start, end).toString('hex');
  return [reversed(0, 4), reversed(4, 6), reversed(6, 8), plain(8, 10), plain(10, 16)].join('-');
}

/** The bytes `guidText` read, or undefined for text that is no GUID. */
export function guidBytes(text: string): Buffer | undefined {
  const groups = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!groups) return undefined;
  const reversed = (hex: string) => Buffer.from(hex, 'hex').reverse();
  const plain = (hex: string) => Buffer.from(hex, 'hex');
  return Buffer.concat([reversed(groups[1]!), reversed(groups[2]!), reversed(groups[3]!), plain(groups[4]!), plain(groups[5]!)]);
}
