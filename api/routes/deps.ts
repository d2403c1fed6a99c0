// What every route plugin of the intake API is built from.
import type { Client } from '@temporalio/client';
import type { Store } from '../../store/store';
import type { Config } from '../../config/config';

/** The options each route plugin is registered with. */
export interface RouteDeps {
  config: Config;
  client: Client;
  store: Store;
  /** The Temporal UI base URL, for run links. */
  uiUrl?: string;
}
