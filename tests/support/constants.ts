export const TEST_PASSWORD = 'Test-Passw0rd!';
