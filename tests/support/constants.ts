export const TEST_PASSWORD = 'Test-Passw0rd!';
export const TEST_AUDIT_KEY = 'test-audit-key-0123456789abcdef0123456789';
