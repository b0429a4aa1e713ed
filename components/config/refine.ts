// The rules over typed data that need more than one field: across entries (a context, a role
// name or a variable given twice; roles keyless's own role could not create), an adopted
// provider against the stack's issuer and account, and the label that names an entry in messages.

import type { Deployment } from "../config";
import { isObject, looksLikeCredential, Problems, show } from "../configReader";
import { isEnvironmentName, isGitRefName, isRepositoryName, Partition, parseArn } from "../names";
import { PROJECT } from "./schema";

/**
 * What a repository entry is, for messages that name it by index (`keyless:repositories[5]`):
 * `acme/api, environment prod`. Only what reads as a name is shown; a value that may be a pasted
 * secret is left out.
 */
export function entryLabel(problemKey: string, repositories: unknown, owner: string | undefined, defaultEnvironment: string | undefined): string | undefined {
    const match = /^keyless:repositories\[(\d+)\]/.exec(problemKey);
    if (!match || !Array.isArray(repositories)) return undefined;
    const entry: unknown = repositories[Number(match[1])];
    if (!isObject(entry)) return undefined;
    // Only valid names: an invalid one is reported under its own key, and could hold ( ) or :.
    const named = (field: unknown, test: (value: string) => boolean) =>
        typeof field === "string" && test(field) && !looksLikeCredential(field) ? field : undefined;
    const name = named(entry.name, isRepositoryName);
    const environment = entry.environment === undefined ? defaultEnvironment : named(entry.environment, isEnvironmentName);
    const context =
        entry.pullRequest === true
            ? "pull requests"
            : entry.branch !== undefined
              ? named(entry.branch, isGitRefName) && `branch ${entry.branch}`
              : entry.tag !== undefined
                ? named(entry.tag, isGitRefName) && `tag ${entry.tag}`
                : environment && `environment ${environment}`;
    const repository = name === undefined ? undefined : owner ? `${owner}/${name}` : name;
    const label = [repository, context].filter((part) => part).join(", ");
    return label || undefined;
}

/** Checks an adopted OIDC provider: the stack's issuer, partition and account. */
export function checkAdoptedProvider(
    arn: string,
    expected: { partition: Partition; accountId: string | undefined; host: string },
    problems: Problems,
): void {
    const parsed = parseArn(arn);
    const providerKey = `${PROJECT}:oidcProviderArn`;
    if (!parsed || parsed.service !== "iam" || !parsed.resource.startsWith("oidc-provider/")) {
        problems.add(providerKey, `${show(arn)} is not an IAM OIDC provider ARN (arn:aws:iam::123456789012:oidc-provider/${expected.host})`);
        return;
    }
    const providerHost = parsed.resource.slice("oidc-provider/".length);
    if (providerHost !== expected.host) {
        problems.add(
            providerKey,
            `${show(arn)} is the provider for ${providerHost}, but this stack's issuer is ${expected.host}` +
                " (keyless:enterpriseSlug decides it); adopt the provider of that issuer",
        );
    }
    if (parsed.partition !== expected.partition || (expected.accountId && parsed.account !== expected.accountId)) {
        problems.add(providerKey, `${show(arn)} is not in this stack's account ${expected.accountId ?? "?"} (${expected.partition})`);
    }
}

/** Problems that only show across entries: duplicates of a context, a role name or a variable. */
export function checkAcrossDeployments(deployments: readonly Deployment[], problems: Problems): void {
    const contexts = new Map<string, string>();
    const roleNames = new Map<string, string>();
    const variables = new Map<string, string>();
    const keylessRole = deployments.find((deployment) => deployment.presets.keyless !== undefined);
    for (const deployment of deployments) {
        if (keylessRole && deployment.permissionsBoundaryArn === undefined) {
            problems.add(
                deployment.key,
                `has no permissions boundary, so keyless's own role (${keylessRole.key}.permissions.keyless) could not create it: ` +
                    "it may only create roles that carry one; set keyless:permissionsBoundaryArn or this entry's permissionsBoundaryArn",
            );
        }
        const contextKey = `${deployment.repository.toLowerCase()} ${JSON.stringify(deployment.context).toLowerCase()}`;
        const previous = contexts.get(contextKey);
        if (previous) {
            problems.add(deployment.key, `repeats ${previous}: ${deployment.repository} is already trusted for that context; merge the two entries`);
        }
        contexts.set(contextKey, deployment.key);

        const roleName = deployment.roleName.toLowerCase();
        const sameRole = roleNames.get(roleName);
        if (sameRole) {
            problems.add(deployment.key, `role name ${deployment.roleName} is also used by ${sameRole}; IAM role names are unique per account, set roleName`);
        }
        roleNames.set(roleName, deployment.key);

        if (deployment.github.kind === "repositoryVariables") {
            const variableKey = `${deployment.repository.toLowerCase()} ${deployment.github.prefix.toLowerCase()}`;
            const sameVariable = variables.get(variableKey);
            if (sameVariable) {
                problems.add(
                    deployment.key,
                    `publishes ${deployment.github.prefix}_ROLE_ARN in ${deployment.repository}, as ${sameVariable} does; set variablePrefix on one of them`,
                );
            }
            variables.set(variableKey, deployment.key);
        }
    }
}
