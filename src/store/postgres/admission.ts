// MAX_SEQUENCES in SQL, once (the rule is rules/sequences.ts admitsSequence): a known id is always written;
// a new one only while the table has room, the batch's new ids ranked in arrival order. The table is counted
// only for a new id (CASE evaluates its branch lazily).

/**
 * The admission condition. `known`: whether the id exists; `rank`: the id's place among the statement's new
 * ids (1 for a statement of one id); `max`: the MAX_SEQUENCES parameter.
 */
export const newIdAdmitted = (known: string, rank: string, max: string): string =>
  `CASE WHEN ${known} THEN true ELSE ${rank} <= ${max} - (SELECT count(*) FROM tan_sequences) END`;

/** The condition for a statement of one id, `$id`. */
export const oneIdAdmitted = (id: string, max: string): string => newIdAdmitted(`EXISTS (SELECT 1 FROM tan_sequences WHERE id = ${id})`, '1', max);
