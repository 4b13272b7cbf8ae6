// Credentials out of every text that can reach a log line, an error message or an answer: one function,
// used by every place that prints a database URL or a database error, and by the logger as a last guard.

const MASK = '***';

// scheme://user:password@ : the password ends at the first "@" (a literal one must be percent-encoded).
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s@]*@/gi;
// ?password=, &sslpassword=, and libpq's key=value form ("host=… password=…"); names matched case-insensitively.
const PARAM = /((?:^|[?&;\s,('"])[a-z_]*pass(?:word)?=)(?:'(?:[^'\\]|\\.)*'|[^&\s;,)'"]*)/gi;
// A percent-encoded parameter name (pass%77ord=) is decoded by the driver: mask any name that decodes to one.
const ENCODED_PARAM = /((?:^|[?&])[^=&\s]*%[0-9a-f]{2}[^=&\s]*=)([^&\s]*)/gi;

function decodedIsPassword(name: string): boolean {
  try {
    return /pass/i.test(decodeURIComponent(name));
  } catch {
    return true;
  }
}

/** `text` with every credential of a connection URL or key=value string replaced by ***. */
export function maskSecrets(text: string): string {
  if (!text.includes('=') && !text.includes('@')) return text;
  return text
    .replace(USERINFO, `$1:${MASK}@`)
    .replace(PARAM, `$1${MASK}`)
    .replace(ENCODED_PARAM, (all, name: string) => (decodedIsPassword(name) ? `${name}${MASK}` : all));
}
