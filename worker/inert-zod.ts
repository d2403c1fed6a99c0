// Stands in for zod inside the workflow bundle, where no schema is ever parsed.
//
// The workflow sandbox (the SDK's reusable V8 context) evaluates every module a workflow imports
// afresh for each run it caches. The chain and action schemas are zod objects built at module load:
// some 4 MB and many milliseconds per run, for schemas the workflow never uses, because chains are
// validated before they start and rendered parameters are checked in the activity. Any property
// read, call or construction of this stand-in yields the stand-in again, so schema definitions
// evaluate to nothing; a parse would return the stand-in, and no workflow code parses.
const inert: unknown = new Proxy(function inertSchema() {}, {
  get: (_target, property) => (property === Symbol.toPrimitive ? () => 'inert-zod' : property === 'then' ? undefined : inert),
  apply: () => inert,
  construct: () => inert as object,
});

module.exports = inert;
