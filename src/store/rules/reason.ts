// A failure's reason in one line for logs and answers, the same for the disk and the database: its code
// (errno or SQLSTATE) in front unless the message starts with it, credentials masked.
import { maskSecrets } from '../../mask.js';

export function reasonOf(e: unknown): string {
  const err = e as (Error & { code?: unknown }) | null | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = err?.message || String(e);
  return maskSecrets(code && !message.startsWith(code) ? `${code}: ${message}` : message);
}
