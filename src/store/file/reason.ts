// One error's reason for a log line or an answer.

/** "EACCES: permission denied, open …" already names its code; others get it in front. */
export function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const message = (e as Error).message ?? String(e);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}
