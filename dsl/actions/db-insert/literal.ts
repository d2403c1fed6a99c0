// db.insert's literal text, read before rendering: a table a token names is marked, the user must be written out.
import type { LiteralParams, LiteralProblem } from '../../segments';

/**
 * db.insert's literal text, read before rendering: a table name holding a token is marked as
 * such (it must then be one the connection allows), and the user, which picks the credentials,
 * must be written out.
 */
export function dbInsertBeforeRender(params: Record<string, unknown>): LiteralParams {
  const out: Record<string, unknown> = { ...params };
  const problems: LiteralProblem[] = [];
  if (typeof params.table === 'string' && params.table.includes('{{')) out.table = { fromToken: params.table };
  if (typeof params.user === 'string' && params.user.includes('{{')) {
    problems.push({ path: ['user'], message: 'the user picks the credentials that write, so it must be written out; a token cannot choose it' });
  }
  return { params: out, problems };
}

/** The hook the engine calls before rendering (see ActionDefinition.beforeRender). */
export const beforeRender = dbInsertBeforeRender;
