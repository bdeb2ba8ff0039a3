import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../src/users/phone.js';

describe('normalisePhone', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['+8613812345678', '+8613812345678'],
    [' 138 1234 5678 ', '+8613812345678'],
    ['+86 138-1234-5678', '+8613812345678'],
    ['0086 13812345678', '+8613812345678'],
    ['19912345678', '+8619912345678'],
    ['+85291234567', '+85291234567'],
    ['+447911123456', '+447911123456'],
    ['+12025550123', '+12025550123'], // North America cannot tell mobiles from landlines by number
  ])('accepts %s as %s', (input, e164) => {
    expect(normalisePhone(input)).toEqual({ ok: true, phone: e164 });
  });

  it.each(['', 'abc', '1381234567', '12345678901', '+86138123456789', '+0123456789'])('rejects %j as invalid', (input) => {
    const result = normalisePhone(input);
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
    if (!result.ok) expect(result.message).toContain('not a valid phone number');
  });

  it.each(['01012345678', '+861012345678', '+442079460000'])('rejects the landline %s: it cannot receive SMS', (input) => {
    const result = normalisePhone(input);
    expect(result).toMatchObject({ ok: false, reason: 'not_mobile' });
    if (!result.ok) expect(result.message).toMatch(/^\+\d+ is not a mobile number/);
  });
});
