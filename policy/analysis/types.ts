// Plain data shared by the analysis modules and their callers (the rules, the program, the plan command).

export type PolicyName =
    | "github-oidc-trust-pins-repository"
    | "iam-no-passrole-on-all-roles"
    | "iam-no-admin-access"
    | "iam-no-self-escalation"
    | "github-trusted-environment-protected";

/** The policy names, in the order the pack registers them. */
export const POLICY_NAMES: readonly PolicyName[] = [
    "github-oidc-trust-pins-repository",
    "iam-no-passrole-on-all-roles",
    "iam-no-admin-access",
    "iam-no-self-escalation",
    "github-trusted-environment-protected",
];

export interface Finding {
    policy: PolicyName;
    /** Where in the document, e.g. `Statement[1] (Sid "DeployFromMain")`. */
    location: string;
    /** Names the offending value and the fix. */
    message: string;
}

export interface TrustOptions {
    /** GitHub owners (organisations or users) a trust may name; empty or absent means any owner. */
    allowedOwners?: readonly string[];
    /**
     * The only `aud` values a trust may accept, compared exactly. Empty or absent: STS's audience
     * for the provider's partition (`sts.amazonaws.com`, or `sts.amazonaws.com.cn` in aws-cn).
     */
    allowedAudiences?: readonly string[];
}

export interface AdminOptions {
    /** AWS-managed policy names treated as admin-equivalent in addition to AdministratorAccess and IAMFullAccess. */
    additionalAdminPolicies?: readonly string[];
}

/** One Allow statement (per GitHub issuer it admits) that lets GitHub's OIDC provider assume the role. */
export interface GithubTrust {
    /** `token.actions.githubusercontent.com`, or `token.actions.githubusercontent.com/<enterprise-slug>`. */
    issuer: string;
    /** Values of the `sub` condition that decides who may assume the role, as written. */
    subjects: string[];
    /** The operator of that condition as written, e.g. `StringEquals`; empty when there is none. */
    subjectOperator: string;
    /** Values of the `aud` condition, as written. */
    audiences: string[];
    /** The statement, e.g. `Statement[0] (Sid "GitHubDeploy")`. */
    location: string;
}

/**
 * A part of a document that could not be judged: a Pulumi unknown (known only at `pulumi up`) or a
 * value whose read threw. `cause` is the thrown error; it is absent when the value was an unknown
 * sentinel string.
 */
export interface Unresolved {
    path: string;
    cause?: unknown;
}
