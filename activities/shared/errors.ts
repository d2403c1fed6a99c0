// Failure types are riposte's retry contract: the type says what a user can do about the failure.
import { ApplicationFailure } from '@temporalio/activity';

/**
 * - PeerRejectedError: the peer refused the request (4xx other than 408/429); fix the request. Not retried.
 * - PeerUnavailableError: the peer answered 408, 429 or 5xx. Retried, at the peer's Retry-After when given.
 * - PeerUnreachableError: connection refused, reset or timed out. Retried.
 * - ActionInputError: the rendered parameters cannot be sent as they are. Not retried.
 * - ConnectionConfigError: a connection is missing or wrong (unknown name, unset secret, bad TLS). Not retried.
 * - StoreUnavailableError: the store could not be reached. Retried.
 * - DestinationRefusedError: the network policy refuses the destination (network in riposte.config.json). Not retried.
 */
export type FailureType =
  | 'PeerRejectedError'
  | 'PeerUnavailableError'
  | 'PeerUnreachableError'
  | 'ActionInputError'
  | 'ConnectionConfigError'
  | 'StoreUnavailableError'
  | 'DestinationRefusedError';

const NOT_RETRIED: ReadonlySet<FailureType> = new Set(['PeerRejectedError', 'ActionInputError', 'ConnectionConfigError', 'DestinationRefusedError']);

/** Builds the failure an activity throws; `nextRetryDelay` in milliseconds overrides the backoff. */
export function actionFailure(type: FailureType, message: string, options: { nextRetryDelayMs?: number } = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: NOT_RETRIED.has(type),
    ...(options.nextRetryDelayMs !== undefined ? { nextRetryDelay: options.nextRetryDelayMs } : {}),
  });
}
