import * as pulumi from "@pulumi/pulumi";
import { ActionsVariable } from "@pulumi/github/actionsVariable";
import { REGION_VARIABLE, ROLE_ARN_SECRET } from "./config";
import { DeployRole, DeployRoleArgs } from "./deployRole";
import { DeploymentEnvironment } from "./deploymentEnvironment";
import { ResolvedDeployment } from "./githubFacts";
import { ResourceScope } from "./presets";
import { tagValue } from "./realServices/iam";
import { contextClaim } from "./subjects";


export interface RepositoryDeploymentArgs {
    /** The validated deployment with the subjects and reviewer IDs GitHub supplied. */
    readonly resolved: ResolvedDeployment;
    /** ARN of GitHub's OIDC provider in this account. */
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly issuerHost: string;
    readonly audience: string;
    readonly rolePath: string;
    /** The stack's account, partition and region (published next to the role ARN). */
    readonly scope: ResourceScope;
    readonly stack: string;
    /** Values of the environment secrets the config names, as Pulumi secrets, by secret name. */
    readonly secretValues?: Readonly<Record<string, pulumi.Output<string>>>;
}

/**
 * One repository's path to AWS in one context: the deploy role and, on the GitHub side, either
 * the protected environment holding the role ARN (environment trusts) or repository variables
 * (branch, tag and pull_request trusts).
 */
export class RepositoryDeployment extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly subjects: readonly string[];

    constructor(name: string, args: RepositoryDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("keyless:index:RepositoryDeployment", name, {}, opts);
        const { deployment, identity, subjects } = args.resolved;
        const github = deployment.github;

        // The ARN is fixed by account, path and name, so the environment can hold it before the
        // role exists. That lets GitHub protect the environment first: a role trusting an
        // environment nobody created yet could be assumed from any branch that names it, because
        // GitHub creates a missing environment, unprotected, on first use.
        const roleArn = `arn:${args.scope.partition}:iam::${args.scope.accountId}:role${args.rolePath}${deployment.roleName}`;
        let environment: DeploymentEnvironment | undefined;
        if (github.kind === "environment") {
            const protection = github.protection;
            environment = new DeploymentEnvironment(
                `${name}-environment`,
                {
                    repository: identity.repository,
                    owner: identity.owner,
                    live: args.resolved.liveProtection,
                    environment: github.environment,
                    reviewerTeamIds: args.resolved.reviewerTeamIds,
                    reviewerUserIds: args.resolved.reviewerUserIds,
                    preventSelfReview: protection.preventSelfReview,
                    waitTimer: protection.waitTimer,
                    deploymentRefs:
                        protection.branchPolicy.kind === "protectedBranches"
                            ? { protectedBranches: true }
                            : { branches: protection.branchPolicy.branches, tags: protection.branchPolicy.tags },
                    secrets: { [ROLE_ARN_SECRET]: roleArn, ...(args.secretValues ?? {}) },
                    variables: {
                        [REGION_VARIABLE]: args.scope.region,
                        ...Object.fromEntries(github.variables.map((variable) => [variable.name, variable.value])),
                    },
                },
                { parent: this },
            );
        }

        const role = new DeployRole(
            `${name}-role`,
            RepositoryDeployment.roleArgs(args),
            { parent: this, dependsOn: environment ? [environment] : [] },
        );

        if (github.kind === "repositoryVariables") {
            new ActionsVariable(
                `${name}-role-arn`,
                { repository: identity.repository, variableName: `${github.prefix}_ROLE_ARN`, value: role.arn },
                { parent: this },
            );
            new ActionsVariable(
                `${name}-region`,
                { repository: identity.repository, variableName: `${github.prefix}_REGION`, value: args.scope.region },
                { parent: this },
            );
        }

        this.roleArn = role.arn;
        this.subjects = subjects;
        this.registerOutputs({ roleArn: this.roleArn, subjects: this.subjects });
    }

    /** The deploy role's arguments: plain data, so the program can check them before creating anything. */
    static roleArgs(args: RepositoryDeploymentArgs): DeployRoleArgs {
        const { deployment, identity, subjects } = args.resolved;
        const fullName = `${identity.owner}/${identity.repository}`;
        return {
            oidcProviderArn: args.oidcProviderArn,
            issuerHost: args.issuerHost,
            audience: args.audience,
            subjects,
            roleName: deployment.roleName,
            path: args.rolePath,
            maxSessionDuration: deployment.maxSessionDuration,
            permissionsBoundaryArn: deployment.permissionsBoundaryArn,
            permissions: deployment.permissions,
            managedPolicyArns: deployment.managedPolicyArns,
            description: `Deploys ${fullName} (${contextClaim(deployment.context)}) from GitHub Actions; managed by keyless`,
            tags: {
                "keyless:repository": tagValue(fullName),
                // Which presets the permissions come from, for reports such as `npm run plan`.
                "keyless:permissions": deployment.permissionSources.join(" "),
                "keyless:context": tagValue(contextClaim(deployment.context)),
                "keyless:stack": tagValue(args.stack),
            },
            account: { partition: args.scope.partition, accountId: args.scope.accountId },
        };
    }
}
