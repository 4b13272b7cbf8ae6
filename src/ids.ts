// What a sequence id may be: 1-255 characters, any Unicode except control characters and "/".

export const MAX_ID_LENGTH = 255;

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\p{Cc}/]/u;

/** Why `id` is not a valid sequence id, or undefined if it is one. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'the sequence id is empty';
  // Code points never outnumber code units, so only a long id needs counting (and the array that costs).
  const length = id.length <= MAX_ID_LENGTH ? 0 : [...id].length;
  if (length > MAX_ID_LENGTH) return `the sequence id is ${length} characters long; at most ${MAX_ID_LENGTH} are allowed`;
  if (FORBIDDEN.test(id)) return 'the sequence id contains a control character or "/"';
  if (!id.isWellFormed()) return 'the sequence id is not well-formed Unicode';
  return undefined;
}
