// Parameters of db.insert (Smart Monitor "Recording in the DB").
import { z } from 'zod';

export { dbInsertBeforeRender } from './literal';

const identifier = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const qualified = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;

/**
 * A table name written by a token, as the chain's literal text was read before rendering: it must
 * be a bare name that the connection's `tables` list allows (checked when the step runs).
 */
export const fromTokenTable = z
  .object({
    fromToken: z.string().regex(identifier, {
      message: 'a table name from a token must be one bare table name (letters, digits, "_" and "$", starting with a letter or "_"); a schema or database can only be written literally',
    }),
  })
  .strict()
  .describe('Set by riposte, not written in chains: a table name a token wrote');

/** db.insert parameters: the table, the connection's user, and what each row holds. */
export const dbInsertParams = z
  .object({
    /** `table` or `schema.table` written literally; a name from a token arrives as {@link fromTokenTable}. */
    table: z.union([
      z.string().regex(qualified, {
        message: 'write a table name (letters, digits, "_" and "$", starting with a letter or "_"), optionally as schema.table',
      }),
      fromTokenTable,
    ]),
    /** Which of the connection's users writes; may be left out when the connection has one user (or is SQLite). */
    user: z.string().min(1).optional(),
    /** Column -> value (tokens allowed); when absent, every field of the result goes to the column of the same name. */
    values: z.record(z.string().regex(identifier, { message: 'not a column name: use letters, digits, "_" and "$", starting with a letter or "_"' }), z.unknown()).optional(),
    /** In once mode, write every result instead of only the first (Smart Monitor's "Run Once" takes the first). */
    allResults: z.boolean().default(false),
  })
  .strict()
  .refine((p) => !(p.allResults && p.values), {
    message: 'values are rendered once for the step, so they cannot describe every result; with allResults each result\'s fields are written as they are (or use mode "each" with values)',
    path: ['values'],
  });

export type DbInsertParams = z.infer<typeof dbInsertParams>;

/** db.insert output. */
export interface DbInsertOutput {
  table: string;
  rowCount: number;
  /** True when a retry found the rows already written by an earlier attempt. */
  alreadyWritten: boolean;
}
