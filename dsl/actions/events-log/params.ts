// Parameters of events.log (Smart Monitor "Event logging").
import { z } from 'zod';

/** events.log parameters: Smart Monitor's event logging has no options; an optional message tags each line. */
export const eventsLogParams = z
  .object({
    message: z.string().optional(),
  })
  .strict();

export type EventsLogParams = z.infer<typeof eventsLogParams>;
/** events.log output. */
export interface EventsLogOutput {
  file: string;
  lines: number;
}
