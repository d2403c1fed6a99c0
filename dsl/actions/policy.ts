// What the engine needs to know of an action and the action of the engine, as plain data the workflow may import.

/** Retry policy as chains write it. */
export interface RetrySpec {
  maxAttempts?: number;
  initialInterval?: string;
  backoff?: number;
  maxInterval?: string;
}

/**
 * An action's policy: everything about it that is not its parameter schema. Plain data (and, for
 * `htmlFields`, a pure function of the raw parameters): no zod, no template engine, so the workflow
 * bundle may import every policy.
 */
export interface ActionPolicy {
  /** The action's contract name, as chains write it in `action`. */
  name: string;
  summary: string;
  /** Whether the step must, may or must not name a connection, and which connection types fit. */
  connection: 'required' | 'optional' | 'none';
  connectionTypes?: readonly string[];
  /** Which rows the activity receives besides its rendered parameters. */
  rows: 'none' | 'result' | 'results';
  /** The step inherits `incident_id` from an earlier incident.create for the same trigger event. */
  inheritsIncident?: boolean;
  /** The activity receives the run's trigger (the Insight, sensor or rule of an event trigger). */
  receivesTrigger?: boolean;
  /** Parameter paths rendered with HTML escaping (given the raw parameters). */
  htmlFields?: (params: Record<string, unknown>) => string[];
  /**
   * Parameter paths that are URLs or URL paths: tokens in them render percent-encoded (escaping `uri`),
   * so a value can fill a path segment or query value but never change the origin or leave the base path.
   */
  uriFields?: readonly string[];
  /**
   * Parameter fields left unrendered by the workflow, with the extra token roots their templates
   * see: the activity renders them with values that must never enter history (approval links).
   */
  deferredFields?: Readonly<Record<string, readonly string[]>>;
  /** With `merge: true` in `once` mode, these fields are rendered for every result and joined into one message. */
  mergeFields?: readonly string[];
  timeout: string;
  /**
   * For long-running activities that heartbeat: the step fails over to a retry when no heartbeat
   * arrives within this time, and heartbeats are how a cancellation reaches the activity.
   */
  heartbeatTimeout?: string;
  retry: Required<RetrySpec>;
  /** Output fields, for documentation and `steps.<id>.<field>` checks. */
  output: readonly string[];
  /**
   * What `mode: "once"` (the vendors' "Run Once") means for this action: the vendor's own sentence
   * for it (none where the vendor has no such switch) and the reading riposte implements.
   */
  onceReading: { seed?: string; reading: string };
  /**
   * Whether a step may run in a job subscribed to `insight.closed`. Cloud SIEM offers "When Closed"
   * only to HTTP POST v2, so its other Insight actions say `false`; a field test names the one
   * parameter value that makes the step such a notification (email.send with `format: "summary"`).
   * Absent: the action may run on any event.
   */
  onClosedInsight?: false | { field: string; equals: unknown; describe: string };
  /** The `with` field that holds the destination when the step names no connection (webhook.send's host). */
  destinationField?: string;
  /** The step may name a script executor `host` (script.run). */
  takesHost?: boolean;
  /**
   * A built-in action on the embedded store: it runs as a local activity on the worker that runs the
   * workflow (no task queue round trip; history keeps one marker per execution with the step's
   * summary and the activity's result). Peers are never called from a local activity.
   */
  local?: true;
  /** Carried out by the workflow itself (a child workflow, a durable wait), with no activity of its own name. */
  inWorkflow?: boolean;
}

/** The retry policy of the built-in actions that write to the embedded store. */
export const STORE_RETRY = { maxAttempts: 10, initialInterval: '1s', backoff: 2, maxInterval: '30s' } as const;
/** The retry policy of actions that call a peer. */
export const PEER_RETRY = { maxAttempts: 8, initialInterval: '2s', backoff: 2, maxInterval: '1m' } as const;

/** The Cloud SIEM actions have no Run Once switch: an Insight event's run has the Insight as its one result. */
export const PER_INSIGHT = { reading: 'once per Insight: a run started by an Insight event has the Insight as its one result' } as const;
/** The Smart Monitor sentence for Run Once on most of its actions. */
export const FIRST_RESULT = 'if enabled, this Action will be performed only for the first search result, otherwise - for each query result';
