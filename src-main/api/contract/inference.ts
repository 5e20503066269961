/**
 * Contract: running the model, jobs, contributions. Owner: the inference work (issue 4).
 */
export const inferenceMethods = {} as const;
