// The IAM documents of a deploy role, as plain data.

import { PermissionPresets, PolicyDocument, presetStatements, ResourceScope, Statement } from "./presets";

export interface GithubTrustPolicyArgs {
    /** ARN of the IAM OIDC provider for GitHub's issuer. */
    readonly providerArn: string;
    /** Issuer host, which is also the prefix of the condition keys. */
    readonly issuerHost: string;
    /** The `aud` GitHub's token carries (configure-aws-credentials sends sts.amazonaws.com). */
    readonly audience: string;
    /** Exact `sub` values; OR-ed under one StringEquals key. */
    readonly subjects: readonly string[];
}

export interface TrustPolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: {
        readonly Sid: string;
        readonly Effect: "Allow";
        readonly Principal: { readonly Federated: string };
        readonly Action: string;
        readonly Condition: { readonly StringEquals: Record<string, string | string[]> };
    }[];
}

/**
 * A trust policy that admits GitHub's tokens for exactly the given subjects: one statement,
 * the web-identity action only, `aud` and `sub` both under StringEquals (wildcards are literal
 * characters there), no IfExists, no ForAllValues.
 */
export function githubTrustPolicy(args: GithubTrustPolicyArgs): TrustPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GithubActionsExactSubjects",
                Effect: "Allow",
                Principal: { Federated: args.providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${args.issuerHost}:aud`]: args.audience,
                        [`${args.issuerHost}:sub`]: args.subjects.length === 1 ? args.subjects[0] : [...args.subjects],
                    },
                },
            },
        ],
    };
}

/** The deploy role's inline permissions: preset statements first, then the stack's own. */
export function permissionPolicy(
    presets: PermissionPresets,
    extraStatements: readonly Statement[],
    scope: ResourceScope,
): PolicyDocument {
    return { Version: "2012-10-17", Statement: [...presetStatements(presets, scope), ...extraStatements] };
}
