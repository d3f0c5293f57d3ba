/** 台账导入导出: a ledger file imported with its row-by-row report, and a level's ledger as xlsx. */
import type { ImportKind, ImportStatus } from '@domain/imports';
import type { LedgerKind } from '@domain/ledgers/kinds';
import { ApiError, qs, upload } from './client';

const TYPES: Record<string, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export const importApi = {
  /**
   * Imports a file and waits for its report; a file refused for its rows (422) answers with the
   * report too. The type is the name's: Windows calls a CSV application/vnd.ms-excel.
   */
  async run(kind: ImportKind, mode: 'all' | 'valid', file: File): Promise<ImportStatus> {
    const type = TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? file.type;
    try {
      return await upload<ImportStatus>(
        `/api/ledger-imports${qs({ kind, mode, wait: 'true' })}`,
        new Blob([file], { type }),
        file.name,
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && Array.isArray(err.info.errors))
        return err.info as unknown as ImportStatus;
      throw err;
    }
  },
  exportUrl: (level: LedgerKind, year?: number) => `/api/ledgers/${level}/export${qs({ year })}`,
};
