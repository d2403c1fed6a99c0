// Names the chain language fixes, as plain constants the workflow may import.

/** A chain's name, which is also its job's name in the jobs directory. */
export const JOB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
