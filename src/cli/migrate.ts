// `take-a-number migrate --from <file|url> --to <file|url>`: placeholder until the scale-out work lands.
export async function runMigrate(_args: string[]): Promise<number> {
  process.stderr.write('take-a-number migrate: not available yet\n');
  return 2;
}
