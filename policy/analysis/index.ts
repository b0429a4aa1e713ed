// The analysis API the program and the plan command import (docs/CONTRACTS.md): plain data in, plain
// data out, never throws. Parts of a document that are Pulumi unknowns are skipped here; a value whose
// read throws is reported as a finding (fail closed).

import { analyzePermissionPolicy } from "./permissions";
import { analyzeSelfEscalation, SelfEscalationInput } from "./selfEscalation";
import { analyzeTrustPolicy } from "./trust";
import { AdminOptions, Finding, GithubTrust, PolicyName, TrustOptions, Unresolved } from "./types";

export { checkManagedPolicyArn } from "./managedPolicies";
export {
    DEFAULT_ENVIRONMENTS_REQUIRING_REVIEWERS,
    ENVIRONMENT_PROTECTION_POLICY,
    ENVIRONMENTS_REQUIRING_REVIEWERS,
    environmentRequiresReviewers,
} from "./environments";
export { extraSubjectClaims, parseGithubSubject, subjectContextClaim } from "./githubSubject";
export type { GithubSubject, GithubSubjectContext, SubjectParse } from "./githubSubject";
export { analyzeSelfEscalation, findSelfEscalations } from "./selfEscalation";
export type {
    IamEntityRef,
    InlinePolicyInput,
    ManagedPolicyInput,
    SelfEscalation,
    SelfEscalationAnalysis,
    SelfEscalationInput,
    SelfEscalationPath,
} from "./selfEscalation";
export { POLICY_NAMES } from "./types";
export type { AdminOptions, Finding, GithubTrust, PolicyName, TrustOptions } from "./types";

function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function unreadableFindings(unresolved: readonly Unresolved[], policies: readonly PolicyName[]): Finding[] {
    return unresolved
        .filter((u) => u.cause !== undefined)
        .flatMap((u) =>
            policies.map((policy) => ({
                policy,
                location: u.path,
                message: `could not be read (${describe(u.cause)}), so it fails closed.`,
            })),
        );
}

function internalError(error: unknown, policies: readonly PolicyName[]): Finding[] {
    return policies.map((policy) => ({
        policy,
        location: "document",
        message: `keyless could not analyse the document (${describe(error)}), so it fails closed.`,
    }));
}

/** Findings of `github-oidc-trust-pins-repository` for a role's trust policy (JSON string or object). */
export function checkTrustPolicy(document: unknown, options: TrustOptions = {}): Finding[] {
    try {
        const analysis = analyzeTrustPolicy(document, options);
        return [...analysis.findings, ...unreadableFindings(analysis.unresolved, ["github-oidc-trust-pins-repository"])];
    } catch (error) {
        return internalError(error, ["github-oidc-trust-pins-repository"]);
    }
}

/**
 * Findings of `iam-no-passrole-on-all-roles` and `iam-no-admin-access` for a permission policy.
 * Documents are judged by what they grant; `options` matters only for managed policy ARNs.
 */
export function checkPermissionPolicy(document: unknown, _options: AdminOptions = {}): Finding[] {
    const policies: PolicyName[] = ["iam-no-passrole-on-all-roles", "iam-no-admin-access"];
    try {
        const analysis = analyzePermissionPolicy(document);
        const findings = analysis.findings.map(({ policy, location, message }) => ({ policy, location, message }));
        return [...findings, ...unreadableFindings(analysis.unresolved, policies)];
    } catch (error) {
        return internalError(error, policies);
    }
}

/** One entry per Allow statement (and GitHub issuer) that lets GitHub's OIDC provider assume the role. */
export function describeGithubTrust(document: unknown): GithubTrust[] {
    try {
        return analyzeTrustPolicy(document).trusts.map(({ issuer, subjects, subjectOperator, audiences, location, admits }) => ({
            issuer,
            subjects,
            subjectOperator,
            audiences,
            location,
            admits,
        }));
    } catch {
        return [];
    }
}

/**
 * Findings of `iam-no-self-escalation` for a role: each way its own policies (and boundary) let it
 * rewrite its trust or permissions, lift or replace its boundary, rewrite its managed policies or
 * create roles without a boundary. Parts not known yet are skipped, as in the other checks.
 */
export function checkRoleSelfEscalation(input: SelfEscalationInput): Finding[] {
    const analysis = analyzeSelfEscalation(input);
    return [
        ...analysis.escalations.map((e) => ({
            policy: "iam-no-self-escalation" as const,
            location: e.statement === "document" ? e.document : `${e.document} ${e.statement}`,
            message: e.message,
        })),
        ...unreadableFindings(analysis.unresolved, ["iam-no-self-escalation"]),
    ];
}
