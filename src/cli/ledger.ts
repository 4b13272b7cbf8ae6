// The ledger commands for scripts: reserve a number, confirm or void it, print a sequence's gap report.
import { Command } from 'commander';
import { call } from '../client/http.js';
import { clientOptions, wholeNumber, withClientOptions, type ClientFlags } from './commands.js';

const json = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;
const send = (body: unknown) => ({ accept: 'application/json', body });

export function reserveCommand(): Command {
  return withClientOptions(
    new Command('reserve')
      .description('reserve the next number of a ledger sequence; prints its number (formatted id if any) and the reservation, on one line')
      .argument('<id>', 'sequence id')
      .option('--ttl <seconds>', 'how long the reservation lasts (1-604800)', wholeNumber(1, 604_800)),
  ).action(async (id: string, flags: ClientFlags & { ttl?: number }) => {
    const r = json(await call('POST', `/reserve/${encodeURIComponent(id)}`, clientOptions(flags), send(flags.ttl === undefined ? {} : { ttl: flags.ttl })));
    process.stdout.write(`${String(r.formatted ?? r.number)} ${String(r.reservation)}\n`);
  });
}

export function confirmCommand(): Command {
  return withClientOptions(
    new Command('confirm').description('confirm a reservation; prints its number (formatted id if any)').argument('<reservation>', 'the reservation id').option('--ref <ref>', 'the document the number went to'),
  ).action(async (reservation: string, flags: ClientFlags & { ref?: string }) => {
    const r = json(await call('POST', `/reservations/${encodeURIComponent(reservation)}/confirm`, clientOptions(flags), { ...send(flags.ref === undefined ? {} : { ref: flags.ref }), idempotent: false }));
    process.stdout.write(`${String(r.formatted ?? r.number)}\n`);
  });
}

export function voidCommand(): Command {
  return withClientOptions(
    new Command('void').description('void a reservation: its number is kept with the reason, never handed out again').argument('<reservation>', 'the reservation id').requiredOption('--reason <text>', 'why the number was not used (1-500 characters)'),
  ).action(async (reservation: string, flags: ClientFlags & { reason: string }) => {
    const r = json(await call('POST', `/reservations/${encodeURIComponent(reservation)}/void`, clientOptions(flags), { ...send({ reason: flags.reason }), idempotent: false }));
    process.stdout.write(`${String(r.formatted ?? r.number)}\n`);
  });
}

export function gapsCommand(): Command {
  return withClientOptions(
    new Command('gaps').description("print a ledger sequence's gap report (JSON): what became of every number of a period").argument('<id>', 'sequence id').option('--period <period>', 'the period (default: the current one)'),
  ).action(async (id: string, flags: ClientFlags & { period?: string }) => {
    const q = flags.period === undefined ? '' : `?period=${encodeURIComponent(flags.period)}`;
    process.stdout.write(`${await call('GET', `/sequences/${encodeURIComponent(id)}/gaps${q}`, clientOptions(flags), { accept: 'application/json', idempotent: false })}\n`);
  });
}
