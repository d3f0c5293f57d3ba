/** 台账导入导出: a ledger file imported with its row-by-row report, and a level's ledger as xlsx. */
import type { ImportKind, ImportStatus } from '@domain/imports';
import type { LedgerKind } from '@domain/ledgers/kinds';
import { qs, request, upload } from './client';

const TYPES: Record<string, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export const importApi = {
  /**
   * Sends a file to import; the api answers at once (202) with the job, which runs on its own: a
   * large file outlasts what a proxy lets one request wait. The type is the name's: Windows calls
   * a CSV application/vnd.ms-excel.
   */
  start(kind: ImportKind, mode: 'all' | 'valid', file: File): Promise<ImportStatus> {
    const type = TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? file.type;
    return upload<ImportStatus>(
      `/api/ledger-imports${qs({ kind, mode })}`,
      new Blob([file], { type }),
      file.name,
    );
  },
  /** The job's progress, and once done its row-by-row report in the caller's language. */
  status: (id: string) => request<ImportStatus>('GET', `/api/ledger-imports/${encodeURIComponent(id)}`),
  exportUrl: (level: LedgerKind, year?: number) => `/api/ledgers/${level}/export${qs({ year })}`,
};
