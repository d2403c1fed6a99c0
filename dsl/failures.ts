// The failure table: each failure type a step or run can end with, whether it is retried, and what to do. Plain data: the workflows import it.

/** Whether Temporal retries a failure: never, by the step's retry policy, or as the step's own option says (`retryOnExit`). */
export type Retried = 'no' | 'yes' | 'retryOnExit';

/** One row of the failure table. */
export interface FailureKind {
  retried: Retried;
  /** When it happens. */
  when: string;
  /** What the user does about it. */
  todo: string;
}

/** Every failure type, by name: the retry contract of riposte. */
export const FAILURES = {
  PeerRejectedError: { retried: 'no', when: 'the peer refused the request (4xx other than 408 and 429)', todo: 'fix the chain or the connection; the message quotes the peer' },
  PeerUnavailableError: { retried: 'yes', when: 'the peer answered 408, 429 or 5xx', todo: 'nothing: retried, at the peer\'s Retry-After when given' },
  PeerUnreachableError: { retried: 'yes', when: 'the connection was refused, reset or timed out', todo: 'nothing: retried; check the address if it lasts' },
  ActionInputError: { retried: 'no', when: 'the rendered parameters cannot be sent as they are', todo: 'fix the step\'s parameters or the results they read' },
  ConnectionConfigError: { retried: 'no', when: 'a connection is missing or wrong: unknown name, unset env: secret, wrong key, TLS verification failure', todo: 'fix riposte.config.json or the environment' },
  StoreUnavailableError: { retried: 'yes', when: 'the store did not answer', todo: 'nothing: retried; check the store if it lasts' },
  DestinationRefusedError: { retried: 'no', when: 'the network policy refuses the destination', todo: 'add the entry the message names to network.allow or network.hosts' },
  ChainValidationError: { retried: 'no', when: 'the chain, or a step\'s rendered parameters, do not validate', todo: 'fix the chain; `riposte validate` names each problem' },
  ScriptExitError: { retried: 'retryOnExit', when: 'a script exited non-zero; its stderr (or stdout) tail is in the message', todo: 'fix the script or its input; retried only with retryOnExit' },
  ScriptTimeoutError: { retried: 'retryOnExit', when: 'a script outran its timeout and was killed with its process group', todo: 'raise with.timeout or speed the script up; retried only with retryOnExit' },
  SandboxUnavailableError: { retried: 'no', when: 'no working bubblewrap and scripts.allowUnsandboxed is off', todo: 'install bubblewrap' },
  EventValidationError: { retried: 'no', when: 'a watcher fired an event that does not validate', todo: 'fix the event\'s source; the message names each problem' },
  EventFiringError: { retried: 'yes', when: 'a watcher could not fire its event (jobs directory or server briefly unavailable)', todo: 'nothing: retried' },
  SearchFailedError: { retried: 'no', when: 'the chain\'s search failed', todo: 'fix the search or its connection; the message says why' },
} as const satisfies Record<string, FailureKind>;

/** A failure type of the table. */
export type FailureName = keyof typeof FAILURES;

/** Refusals that list problems but never end a step or run: a request, a hook body, a sensor or rule id. */
export const REFUSAL_TYPES = ['RequestValidationError', 'HookBodyError', 'SensorIdError', 'RuleGuardInputError'] as const;

/** The type of a `ProblemsError` (dsl/problems.ts): a failure type of the table, or a refusal that never reaches a workflow. */
export type ProblemsType = Extract<FailureName, 'ChainValidationError' | 'EventValidationError'> | (typeof REFUSAL_TYPES)[number];

/** The types Temporal never retries: the user's to fix. */
export const NON_RETRYABLE_TYPES: readonly FailureName[] = (Object.keys(FAILURES) as FailureName[]).filter((name) => FAILURES[name].retried === 'no');
