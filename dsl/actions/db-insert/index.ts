// db.insert: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction, type StepCheck } from '../define';
import type { Problem } from '../../problems';
import { isTemplate } from '../../template';
import { dbInsertParams } from './params';
import { dbInsertBeforeRender } from './literal';
import { policy } from './policy';

export * from './params';
export type { DbInsertOutput as Output } from './params';
export { policy } from './policy';

/** db.insert names one of its connection's users, or none when the connection has at most one. */
function databaseUserProblems({ params, connection, context, at }: StepCheck): Problem[] {
  const users = connection !== undefined ? context.connections?.[connection]?.users : undefined;
  if (!users) return [];
  const user = params.user;
  if (typeof user === 'string' && !isTemplate(user) && !users.includes(user)) {
    return [{ path: at('with', 'user'), message: `connection "${connection}" has no user "${user}"; its users: ${users.length ? users.join(', ') : 'none'}` }];
  }
  if (user === undefined && users.length > 1) return [{ path: at('with', 'user'), message: `connection "${connection}" has several users (${users.join(', ')}); name the one that writes` }];
  return [];
}

/** db.insert, defined once. */
export const definition = defineAction({
  policy,
  params: dbInsertParams,
  beforeRender: dbInsertBeforeRender,
  check: databaseUserProblems,
  jsonSchema: { literal: ['user'], object: [{ not: { properties: { allResults: { const: true } }, required: ['allResults', 'values'] } }] },
});
