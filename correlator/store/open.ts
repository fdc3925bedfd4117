// Opens the store the config names: PostgreSQL when `store.postgres` is set, SQLite otherwise.

import type { Store } from './store.js';

export interface StoreSettings {
  sqlite: string;
  postgres?: string;
}

export async function openStore(settings: StoreSettings): Promise<Store> {
  if (settings.postgres) {
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(settings.postgres);
  }
  const { SqliteStore } = await import('./sqlite.js');
  return new SqliteStore(settings.sqlite);
}
