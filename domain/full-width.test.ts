import { describe, expect, it } from 'vitest';
import { submitComplaintSchema } from './complaint-schemas.js';
import { usccSchema } from './ledgers/inputs.js';
import { loginSchema, mobilePhoneSchema, projectCodeSchema, totpCodeSchema } from './schemas.js';

/** What a Chinese input method in full-width mode gives for ASCII letters, digits and marks. */
const fullWidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe('codes and numbers typed in full width', () => {
  it('reads them as their ASCII forms, and keeps refusing what is not one', () => {
    expect(mobilePhoneSchema.parse(fullWidth('+8613812345678'))).toBe('+8613812345678');
    expect(mobilePhoneSchema.safeParse(fullWidth('+86138123456')).success).toBe(false);
    expect(usccSchema.parse(fullWidth('91350100m000100y43'))).toBe('91350100M000100Y43');
    expect(projectCodeSchema.parse(fullWidth('CK2026-001'))).toBe('CK2026-001');
    expect(projectCodeSchema.safeParse(fullWidth('CK2026-001。')).success).toBe(false);
    expect(usccSchema.safeParse(fullWidth('91350100M000100Y44')).success).toBe(false);
    expect(totpCodeSchema.parse({ code: fullWidth('123456') }).code).toBe('123456');
    expect(loginSchema.parse({ username: 'a', password: 'p', totp: fullWidth('654321') }).totp).toBe(
      '654321',
    );
    expect(totpCodeSchema.safeParse({ code: fullWidth('12345') }).success).toBe(false);
    const complaint = { category: 'quality', description: '路面开裂严重', formToken: 't' };
    expect(submitComplaintSchema.parse({ ...complaint, phone: fullWidth('138-1234-5678') }).phone).toBe(
      '138-1234-5678',
    );
  });
});
