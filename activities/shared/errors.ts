// The failure a connector throws: its type is riposte's retry contract (dsl/failures.ts), retried or not as the table says.
import { ApplicationFailure } from '@temporalio/activity';
import { FAILURES, type FailureName } from '../../dsl/failures';

/** The failure types connectors throw through {@link actionFailure}; the table in dsl/failures.ts says which are retried and what the user does. */
export type FailureType = Extract<FailureName, 'PeerRejectedError' | 'PeerUnavailableError' | 'PeerUnreachableError' | 'ActionInputError' | 'ConnectionConfigError' | 'StoreUnavailableError' | 'DestinationRefusedError'>;

/** Builds the failure an activity throws; `nextRetryDelay` in milliseconds overrides the backoff. */
export function actionFailure(type: FailureType, message: string, options: { nextRetryDelayMs?: number } = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: FAILURES[type].retried === 'no',
    ...(options.nextRetryDelayMs !== undefined ? { nextRetryDelay: options.nextRetryDelayMs } : {}),
  });
}
