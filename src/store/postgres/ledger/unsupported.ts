// The ledger operations of the PostgreSQL store, until it keeps ledgers: a sequence there cannot have one
// (PUT refuses "ledger": true), so every ledger route answers ledger_required with the way out.
import { ServiceError } from '../../../errors.js';
import type { GapReport } from '../../../ledger/gaps.js';
import type { LedgerRecord } from '../../../ledger/record.js';
import { reservationNotFound } from '../../../ledger/transitions.js';
import type { LedgerStore, Reserved } from '../../ledger.js';

const WHY = 'the PostgreSQL store keeps no ledgers in this version; use the file store (unset DATABASE_URL) for ledger sequences';

export const ledgerUnsupported = (id: string): ServiceError => new ServiceError('ledger_required', `sequence "${id}" keeps no ledger: ${WHY}`);

export class PostgresLedger implements LedgerStore {
  async reserve(id: string): Promise<Reserved> {
    throw ledgerUnsupported(id);
  }
  async reservation(r: string): Promise<LedgerRecord> {
    throw reservationNotFound(r);
  }
  async reservationSequence(): Promise<string | undefined> {
    return undefined;
  }
  async confirm(r: string): Promise<LedgerRecord> {
    throw reservationNotFound(r);
  }
  async voidReservation(r: string): Promise<LedgerRecord> {
    throw reservationNotFound(r);
  }
  async extend(r: string): Promise<LedgerRecord> {
    throw reservationNotFound(r);
  }
  async ledgerPage(id: string): Promise<{ entries: LedgerRecord[] }> {
    throw ledgerUnsupported(id);
  }
  async ledgerHistory(id: string): Promise<LedgerRecord[]> {
    throw ledgerUnsupported(id);
  }
  async gaps(id: string): Promise<GapReport> {
    throw ledgerUnsupported(id);
  }
}
