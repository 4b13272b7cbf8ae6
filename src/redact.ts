// What the start line may say about a database URL: everything but the password.

/** `postgres://user:***@host/db?password=***`: the password of the userinfo and of the query masked. */
export const maskUrl = (url: string): string =>
  url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@]*@/i, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
