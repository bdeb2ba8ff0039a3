import { describe, expect, it } from 'vitest';
import { maskPhone } from '../../src/sms/mask.js';

describe('maskPhone', () => {
  it.each([
    ['+8613812345678', '+86138****5678'],
    ['+8619912345678', '+86199****5678'],
    ['+12025550123', '+1202***0123'],
    ['+447911123456', '+44791***3456'],
    ['+85291234567', '+85291****67'],
  ])('masks %s as %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it('gives nothing away for what is not a number', () => {
    expect(maskPhone('not a phone')).toBe('***');
  });
});
