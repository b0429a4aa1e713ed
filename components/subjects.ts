// GitHub's OIDC issuer and the exact `sub` values a deploy role trusts.

/** GitHub's issuer host for github.com; an enterprise with a custom issuer appends its slug. */
export const GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com";

/** Issuer host (the IAM provider's URL without scheme, and the condition-key prefix). */
export function issuerHost(enterpriseSlug?: string): string {
    return enterpriseSlug ? `${GITHUB_ISSUER_HOST}/${enterpriseSlug}` : GITHUB_ISSUER_HOST;
}

/** Which part of a workflow run a role trusts. Exactly one per role. */
export type TrustContext =
    | { readonly kind: "environment"; readonly environment: string }
    | { readonly kind: "branch"; readonly branch: string }
    | { readonly kind: "tag"; readonly tag: string }
    | { readonly kind: "pullRequest" };

/** The `sub` suffix GitHub sends for a context (after `repo:OWNER/REPO:`). */
export function contextClaim(context: TrustContext): string {
    switch (context.kind) {
        case "environment":
            return `environment:${context.environment}`;
        case "branch":
            return `ref:refs/heads/${context.branch}`;
        case "tag":
            return `ref:refs/tags/${context.tag}`;
        case "pullRequest":
            return "pull_request";
    }
}

/** A short, name-safe label for a context, used in role names and resource names. */
export function contextLabel(context: TrustContext): string {
    const safe = (value: string) => value.replace(/[^A-Za-z0-9_.-]+/g, "-");
    switch (context.kind) {
        case "environment":
            return safe(context.environment);
        case "branch":
            return `branch-${safe(context.branch)}`;
        case "tag":
            return `tag-${safe(context.tag)}`;
        case "pullRequest":
            return "pull-request";
    }
}

/**
 * Which subject form a repository's tokens carry. `legacy` is `repo:owner/repo:...`,
 * `immutable` is `repo:owner@OWNER_ID/repo@REPO_ID:...` (github.com repositories created,
 * renamed or transferred after 2026-06-18, and older ones that opted in); `both` trusts the two
 * exact values during a migration.
 */
export type SubjectFormat = "legacy" | "immutable" | "both";

export interface RepositoryIdentity {
    /** Owner login exactly as GitHub spells it (the claim is case-sensitive). */
    readonly owner: string;
    /** Repository name exactly as GitHub spells it. */
    readonly repository: string;
    readonly ownerId?: number;
    readonly repositoryId?: number;
}

/** `repo:owner/repo` or `repo:owner@id/repo@id`: the part of `sub` that names the repository. */
export function repositoryClaim(identity: RepositoryIdentity, immutable: boolean): string {
    if (!immutable) return `repo:${identity.owner}/${identity.repository}`;
    if (identity.ownerId === undefined || identity.repositoryId === undefined) {
        throw new Error(
            `the immutable subject of ${identity.owner}/${identity.repository} needs its owner and repository IDs`,
        );
    }
    return `repo:${identity.owner}@${identity.ownerId}/${identity.repository}@${identity.repositoryId}`;
}

/** The exact `sub` values a role trusts, in a stable order (legacy first). */
export function exactSubjects(
    identity: RepositoryIdentity,
    format: SubjectFormat,
    context: TrustContext,
): string[] {
    const forms = format === "both" ? [false, true] : [format === "immutable"];
    return forms.map((immutable) => `${repositoryClaim(identity, immutable)}:${contextClaim(context)}`);
}
