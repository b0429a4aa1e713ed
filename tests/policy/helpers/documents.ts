// Builders for the IAM documents the tests judge. Plain objects; JSON.stringify gives the string form.

export const ACCOUNT = "123456789012";
export const GITHUB = "token.actions.githubusercontent.com";

export function githubProviderArn(partition = "aws", issuer = GITHUB): string {
    return `arn:${partition}:iam::${ACCOUNT}:oidc-provider/${issuer}`;
}

export type Statement = Record<string, unknown>;

export function policyDocument(...statements: Statement[]): { Version: string; Statement: Statement[] } {
    return { Version: "2012-10-17", Statement: statements };
}

export interface GithubTrustOptions {
    sub?: string | string[];
    subOperator?: string;
    aud?: string | string[] | null;
    audOperator?: string;
    issuer?: string;
    partition?: string;
    action?: string | string[];
    sid?: string;
    /** Extra operator → { key: value } blocks merged into Condition. */
    conditions?: Record<string, Record<string, unknown>>;
}

/** An Allow statement for GitHub's OIDC provider; `aud` defaults to sts.amazonaws.com, `null` drops it. */
export function githubTrustStatement(options: GithubTrustOptions = {}): Statement {
    const issuer = options.issuer ?? GITHUB;
    const condition: Record<string, Record<string, unknown>> = {};
    const add = (operator: string, key: string, value: unknown): void => {
        condition[operator] = { ...(condition[operator] ?? {}), [key]: value };
    };
    if (options.aud !== null) {
        add(options.audOperator ?? "StringEquals", `${issuer}:aud`, options.aud ?? "sts.amazonaws.com");
    }
    if (options.sub !== undefined) {
        add(options.subOperator ?? "StringEquals", `${issuer}:sub`, options.sub);
    }
    for (const [operator, keys] of Object.entries(options.conditions ?? {})) {
        for (const [key, value] of Object.entries(keys)) {
            add(operator, key, value);
        }
    }
    return {
        ...(options.sid !== undefined ? { Sid: options.sid } : {}),
        Effect: "Allow",
        Principal: { Federated: githubProviderArn(options.partition, issuer) },
        Action: options.action ?? "sts:AssumeRoleWithWebIdentity",
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
}

export function githubTrust(options: GithubTrustOptions = {}): { Version: string; Statement: Statement[] } {
    return policyDocument(githubTrustStatement(options));
}

export function allow(action: unknown, resource: unknown, extra: Statement = {}): Statement {
    return { Effect: "Allow", Action: action, Resource: resource, ...extra };
}

export function deny(action: unknown, resource: unknown, extra: Statement = {}): Statement {
    return { Effect: "Deny", Action: action, Resource: resource, ...extra };
}
