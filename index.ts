// keyless: one stack = one deployment environment in one AWS account for one GitHub owner.
// Reads and checks the stack's config, asks AWS and GitHub what the config leaves open, and
// only then creates anything: the OIDC provider, one deploy role per repository and context,
// and the GitHub side (protected environment with the role ARN, or repository variables).

import * as pulumi from "@pulumi/pulumi";
import { getCallerIdentity } from "@pulumi/aws/getCallerIdentity";
import { getOpenIdConnectProvider } from "@pulumi/aws/iam/getOpenIdConnectProvider";
import { KeylessConfig, loadStackConfig, PROJECT, StackConfigSource } from "./components/config";
import { KeylessConfigError } from "./components/configReader";
import { resolveGithubFacts } from "./components/githubFacts";
import { pulumiGithubLookups } from "./components/githubLookups";
import { GithubOidcProvider } from "./components/githubOidcProvider";
import { RepositoryDeployment } from "./components/repositoryDeployment";
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
    }
    return problems;
}

export = async () => {
    const config = loadStackConfig(stackConfigSource());
    const accountProblems = await checkAwsAccount(config);
    if (accountProblems.length > 0) throw new KeylessConfigError(accountProblems, "keyless stopped before creating anything");
    const facts = await resolveGithubFacts(config, pulumiGithubLookups());
    for (const warning of facts.warnings) void pulumi.log.warn(warning);
    if (facts.problems.length > 0) throw new KeylessConfigError(facts.problems, "keyless stopped before creating anything");

    const provider = new GithubOidcProvider("github", {
        enterpriseSlug: config.enterpriseSlug,
        existingProviderArn: config.oidcProviderArn,
        clientIds: [config.audience],
        tags: { "keyless:stack": config.stack },
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
            resolved,
            oidcProviderArn: provider.arn,
            issuerHost: config.issuerHost,
            audience: config.audience,
            rolePath: config.rolePath,
            scope: { partition: config.partition, region: config.region, accountId: config.accountId },
            stack: config.stack,
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
