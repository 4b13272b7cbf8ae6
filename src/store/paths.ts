// Names of the files that belong to one state file.
import path from 'node:path';

export interface StatePaths {
  primary: string;
  replica: string;
  dir: string;
}

export function statePaths(file: string): StatePaths {
  const primary = path.resolve(file);
  return { primary, replica: `${primary}.replica`, dir: path.dirname(primary) };
}

/** A timestamp that sorts and is safe in file names on every platform. */
export const fileStamp = (d = new Date()): string => d.toISOString().replace(/[:.]/g, '-');
