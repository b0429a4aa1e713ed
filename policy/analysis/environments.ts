// Which GitHub environments need required reviewers: the `environmentsRequiringReviewers` setting of
// `github-trusted-environment-protected`. The rule and the program (components/protection.ts) both
// decide with this function, so "protected" means the same thing at preview, in the offline plan
// and when the program checks a stack before registering anything.

import { globMatches } from "./glob";

/** The policy whose setting this is. */
export const ENVIRONMENT_PROTECTION_POLICY = "github-trusted-environment-protected";
/** The setting's key in a pack configuration file. */
export const ENVIRONMENTS_REQUIRING_REVIEWERS = "environmentsRequiringReviewers";
/** The pack's default when a configuration does not set it: every environment needs reviewers. */
export const DEFAULT_ENVIRONMENTS_REQUIRING_REVIEWERS: readonly string[] = ["*"];

/**
 * Does an environment named `environment` need required reviewers under `patterns` (environment
 * names or `*`/`?` globs)? Case-insensitive, as GitHub treats environment names.
 */
export function environmentRequiresReviewers(patterns: readonly string[], environment: string): boolean {
    const name = environment.toLowerCase();
    return patterns.some((pattern) => globMatches(pattern.toLowerCase(), name));
}
