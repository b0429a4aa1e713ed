// keyless: one stack = one deployment environment in one AWS account for one GitHub owner.
// Reads and checks the stack's config, asks AWS and GitHub what the config leaves open, and
// only then creates anything: the OIDC provider, one deploy role per repository and context,
// and the GitHub side (protected environment with the role ARN, or repository variables).

import * as pulumi from "@pulumi/pulumi";
import { getCallerIdentity } from "@pulumi/aws/getCallerIdentity";
import { getOpenIdConnectProvider } from "@pulumi/aws/iam/getOpenIdConnectProvider";
import { getPolicy } from "@pulumi/aws/iam/getPolicy";
import { KeylessConfig, loadStackConfig, PROJECT, StackConfigSource } from "./components/config";
import { escapeText, KeylessConfigError } from "./components/configReader";
import { pulumiGithubLookups } from "./components/githubLookups";
import { GithubFacts, ResolvedDeployment, resolveGithubFacts } from "./components/githubFacts";
import { existingProviderProblem, GithubOidcProvider, PROVIDER_STACK_TAG } from "./components/githubOidcProvider";
import { DeployRole } from "./components/deployRole";
import { checkAgainstOrganization } from "./components/protection";
import { boundaryLookupProblem, classifyGetPolicyError } from "./components/realServices/iam";
import { RepositoryDeployment, RepositoryDeploymentArgs } from "./components/repositoryDeployment";
import { contextClaim } from "./components/subjects";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";

// The SDK exports isConfigSecret at run time but leaves it out of its typings.
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

/** The stack's config exactly as the Pulumi runtime holds it. */
function stackConfigSource(): StackConfigSource {
    const values = pulumi.runtime.allConfig();
    return {
        stack: pulumi.getStack(),
        values,
        secretKeys: new Set(Object.keys(values).filter((key) => isConfigSecret(key))),
    };
}

/** Checks that the credentials are for the stack's account and that an adopted provider fits. */
async function checkAwsAccount(config: KeylessConfig): Promise<string[]> {
    const problems: string[] = [];
    const identity = await getCallerIdentity({});
    if (identity.accountId !== config.accountId) {
        problems.push(
            `${PROJECT}:accountId: this stack belongs to account ${config.accountId}, but the AWS credentials are for ` +
                `${identity.accountId}; select the stack that matches the credentials, or the credentials of ${config.accountId}`,
        );
        return problems;
    }
    if (config.oidcProviderArn) {
        try {
            const provider = await getOpenIdConnectProvider({ arn: config.oidcProviderArn });
            const host = provider.url.replace(/^https:\/\//, "");
            if (host !== config.issuerHost) {
                problems.push(`${PROJECT}:oidcProviderArn: that provider's URL is ${provider.url}, not https://${config.issuerHost}`);
            }
            if (!provider.clientIdLists.includes(config.audience)) {
                problems.push(
                    `${PROJECT}:oidcProviderArn: that provider does not accept the audience ${config.audience} ` +
                        `(it lists ${provider.clientIdLists.join(", ") || "none"}); add it to the provider's client IDs`,
                );
            }
        } catch (error) {
            problems.push(
                `${PROJECT}:oidcProviderArn: could not read ${config.oidcProviderArn} (${String(error).split("\n")[0]}); ` +
                    "check the ARN, or leave the key empty to create the provider",
            );
        }
    } else {
        // The account may already hold GitHub's provider (another stack's): adopt it, never collide.
        const found = await getOpenIdConnectProvider({ url: `https://${config.issuerHost}` }).then(
            (provider) => ({ arn: provider.arn, tags: provider.tags ?? {} }),
            (error: unknown) => (classifyGetPolicyError(String(error)) === "missing" ? undefined : String(error).split("\n")[0]),
        );
        const problem = typeof found === "string" ? `${PROJECT}:oidcProviderArn: could not check whether the account already holds GitHub's OIDC provider (${found})` : existingProviderProblem(config.stack, config.accountId, config.issuerHost, found);
        if (problem) problems.push(problem);
    }
    return problems;
}

/**
 * Checks that every permissions boundary the config names exists: IAM refuses to create a role
 * whose boundary is missing, after the GitHub side may already have been created.
 */
async function checkPermissionsBoundaries(config: KeylessConfig): Promise<string[]> {
    const users = new Map<string, string[]>();
    for (const deployment of config.deployments) {
        const arn = deployment.permissionsBoundaryArn;
        if (!arn) continue;
        const key = arn === config.permissionsBoundaryArn ? `${PROJECT}:permissionsBoundaryArn` : `${deployment.key}.permissionsBoundaryArn`;
        users.set(arn, [...new Set([...(users.get(arn) ?? []), key])]);
    }
    const problems: string[] = [];
    for (const [arn, keys] of users) {
        try {
            await getPolicy({ arn });
        } catch (error) {
            problems.push(`${keys.join(", ")}: ${boundaryLookupProblem(arn, config.accountId, error instanceof Error ? error.message : String(error))}`);
        }
    }
    return problems;
}

/** IAM's quotas, measured on the exact documents each deploy role will carry. */
function checkIamQuotas(config: KeylessConfig, facts: GithubFacts, providerArn: string): string[] {
    return facts.deployments.flatMap((resolved) =>
        DeployRole.quotaProblems(RepositoryDeployment.roleArgs(deploymentArgs(config, resolved, providerArn)), providerArn).map(
            (problem) => `${resolved.deployment.key}: ${problem}`,
        ),
    );
}

function deploymentArgs(
    config: KeylessConfig,
    resolved: ResolvedDeployment,
    oidcProviderArn: pulumi.Input<string>,
): RepositoryDeploymentArgs {
    return {
        resolved,
        oidcProviderArn,
        issuerHost: config.issuerHost,
        audience: config.audience,
        rolePath: config.rolePath,
        scope: { partition: config.partition, region: config.region, accountId: config.accountId },
        stack: config.stack,
    };
}

export = async () => {
    const config = loadStackConfig(stackConfigSource());
    for (const warning of config.warnings ?? []) void pulumi.log.warn(warning);
    const stopped = "keyless stopped before creating anything";
    // The organisation's pack configuration decides which environments need reviewers.
    const protection = checkAgainstOrganization(config);
    for (const warning of protection.warnings) void pulumi.log.warn(escapeText(warning));
    const accountProblems = await checkAwsAccount(config);
    if (accountProblems.length > 0) throw new KeylessConfigError([...protection.problems, ...accountProblems], stopped);
    const boundaryProblems = await checkPermissionsBoundaries(config);
    const facts = await resolveGithubFacts(config, pulumiGithubLookups());
    for (const warning of facts.warnings) void pulumi.log.warn(escapeText(warning));
    // The provider's ARN is fixed by account and issuer, so the trust policies can be measured now.
    const providerArn = config.oidcProviderArn ?? `arn:${config.partition}:iam::${config.accountId}:oidc-provider/${config.issuerHost}`;
    const problems = [...protection.problems, ...boundaryProblems, ...facts.problems, ...checkIamQuotas(config, facts, providerArn)];
    if (problems.length > 0) throw new KeylessConfigError(problems, stopped);

    const provider = new GithubOidcProvider("github", {
        enterpriseSlug: config.enterpriseSlug,
        existingProviderArn: config.oidcProviderArn,
        clientIds: [config.audience],
        tags: { [PROVIDER_STACK_TAG]: config.stack },
    });

    const secretsConfig = new pulumi.Config(PROJECT);
    const deployments: Record<string, Record<string, unknown>> = {};
    for (const resolved of facts.deployments) {
        const { deployment, identity } = resolved;
        const github = deployment.github;
        const secretValues =
            github.kind === "environment"
                ? Object.fromEntries(github.secrets.map((secret) => [secret.name, secretsConfig.requireSecret(secret.configKey)]))
                : {};
        const repositoryDeployment = new RepositoryDeployment(deployment.roleName, {
            ...deploymentArgs(config, resolved, provider.arn),
            secretValues,
        });
        // What a person needs to see who can deploy where.
        deployments[`${identity.repository}/${contextClaim(deployment.context)}`] = {
            repository: `${identity.owner}/${identity.repository}`,
            environment: github.kind === "environment" ? github.environment : undefined,
            roleArn: repositoryDeployment.roleArn,
            subjects: resolved.subjects,
            subjectFormat: resolved.subjectFormat,
        };
    }

    return { oidcProviderArn: provider.arn, issuer: `https://${config.issuerHost}`, deployments };
};
