// The chain language: schemas, catalogue, validation and tokens. Workflows import dsl/model.ts instead (no zod).
export * from './catalogue';
export * from './chain';
export * from './csv';
export * from './duration';
export * from './run';
export * from './template';
export * from './validate';
export * from './json-schema';
export * from './prepare';
export * from './request';
export * from './secret-refs';
export * from './insight';
export * from './attack-tactics';
export * from './job-graph';
export * from './triggers';
export * from './actions/shared/insight-params';
export { tlsFiles } from './actions/shared/common';
export * from './actions/approval-request/params';
