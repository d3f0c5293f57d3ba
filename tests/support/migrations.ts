import { expect } from 'vitest';
import { initORM } from '#db/orm.js';

/**
 * Runs one migration down and up again, as the table owner: what an upgrade from the release
 * before it does to data left in the shape that release wrote.
 */
export async function migrateAgain(databaseUrl: string, name: string): Promise<void> {
  const orm = await initORM(databaseUrl, { role: 'owner' });
  try {
    await orm.getMigrator().down(name);
    expect((await orm.getMigrator().up(name)).map((m) => m.name)).toEqual([name]);
  } finally {
    await orm.close();
  }
}
