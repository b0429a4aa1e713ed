import * as pulumi from "@pulumi/pulumi";
import { ActionsEnvironmentSecret } from "@pulumi/github/actionsEnvironmentSecret";
import { ActionsEnvironmentVariable } from "@pulumi/github/actionsEnvironmentVariable";
import { RepositoryEnvironment } from "@pulumi/github/repositoryEnvironment";
import { RepositoryEnvironmentDeploymentPolicy } from "@pulumi/github/repositoryEnvironmentDeploymentPolicy";
import { KeylessConfigError } from "./configReader";
import { isActionsVariableName, isDeploymentRefPattern, isEnvironmentName, isGithubOwner, isRepositoryName } from "./names";
import { EnvironmentGuard } from "./environmentGuard";
import { environmentLimitProblems, environmentUpdateBody, LiveProtection, protectionDifferences, wantedProtection } from "./realServices/github";

export interface DeploymentEnvironmentArgs {
    /** Repository name, without the owner (the GitHub provider's `owner`). */
    readonly repository: string;
    /** The repository's owner. Defaults to the GitHub provider's `github:owner`. */
    readonly owner?: string;
    /** Environment name; the deploy job names it with `environment:`. */
    readonly environment: string;
    /** Numeric IDs of teams that may approve a deployment. Defaults to none. */
    readonly reviewerTeamIds?: readonly number[];
    /** Numeric IDs of users who may approve a deployment. Defaults to none. */
    readonly reviewerUserIds?: readonly number[];
    /**
     * Whether whoever triggered a run is kept from approving it. Defaults to true. Sent only with
     * reviewers: GitHub refuses prevent_self_review on an environment without any.
     */
    readonly preventSelfReview?: boolean;
    /** Minutes a job waits after approval before it runs (0-43200). Defaults to 0. */
    readonly waitTimer?: number;
    /**
     * Which refs may deploy: only protected branches, or the named branch and tag patterns.
     * Required: an environment without a branch policy accepts any branch.
     */
    readonly deploymentRefs:
        | { readonly protectedBranches: true }
        | { readonly branches: readonly string[]; readonly tags: readonly string[] };
    /** Environment secrets; every value is stored as a Pulumi secret. Defaults to none. */
    readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Environment variables. Defaults to none. */
    readonly variables?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * What GitHub holds now (githubFacts.ts reads it). Where it differs from these arguments, the
     * environment's EnvironmentGuard shows a change and `pulumi up` puts the protection back.
     * Defaults to unknown: the guard then changes nothing.
     */
    readonly live?: LiveProtection;
}

/**
 * A protected GitHub environment: reviewers, self-review prevention, no admin bypass, a wait
 * timer and deployment branch rules, with its secrets and variables, and an EnvironmentGuard
 * that puts the protection back where GitHub differs from it (components/environmentGuard.ts).
 */
export class DeploymentEnvironment extends pulumi.ComponentResource {
    /** The environment's name as created. */
    public readonly environment: pulumi.Output<string>;

    constructor(name: string, args: DeploymentEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = DeploymentEnvironment.validate(args);
        if (problems.length > 0) throw new KeylessConfigError(problems, `invalid arguments for DeploymentEnvironment ${name}`);
        super("keyless:github:DeploymentEnvironment", name, {}, opts);

        const refs = args.deploymentRefs;
        const wanted = wantedProtection({
            teams: args.reviewerTeamIds ?? [],
            users: args.reviewerUserIds ?? [],
            preventSelfReview: args.preventSelfReview ?? true,
            waitTimer: args.waitTimer ?? 0,
            refs,
        });
        const hasReviewers = wanted.teams.length + wanted.users.length > 0;
        const environment = new RepositoryEnvironment(
            name,
            {
                repository: args.repository,
                environment: args.environment,
                reviewers: hasReviewers ? [{ teams: [...wanted.teams], users: [...wanted.users] }] : [],
                // GitHub answers 422 to prevent_self_review without reviewers (realServices/github.ts).
                preventSelfReview: wanted.preventSelfReview,
                // The provider defaults this to true, which lets admins skip every rule below.
                canAdminsBypass: wanted.canAdminsBypass,
                waitTimer: wanted.waitTimer,
                deploymentBranchPolicy:
                    wanted.branchPolicy === "protected"
                        ? { protectedBranches: true, customBranchPolicies: false }
                        : { protectedBranches: false, customBranchPolicies: true },
            },
            { parent: this },
        );
        // Children below reference environment.environment, so they wait for the environment.
        const policies: RepositoryEnvironmentDeploymentPolicy[] = [];
        if (!("protectedBranches" in refs)) {
            for (const branchPattern of refs.branches) {
                policies.push(
                    new RepositoryEnvironmentDeploymentPolicy(
                        `${name}-branch-${branchPattern}`,
                        { repository: args.repository, environment: environment.environment, branchPattern },
                        { parent: this },
                    ),
                );
            }
            for (const tagPattern of refs.tags) {
                policies.push(
                    new RepositoryEnvironmentDeploymentPolicy(
                        `${name}-tag-${tagPattern}`,
                        { repository: args.repository, environment: environment.environment, tagPattern },
                        { parent: this },
                    ),
                );
            }
        }
        // After the environment and its own policies, so their updates and creations come first.
        const github = new pulumi.Config("github");
        const differences = args.live ? protectionDifferences(wanted, args.live) : { changes: [], extraPolicies: [] };
        new EnvironmentGuard(
            `${name}-guard`,
            {
                apiUrl: (github.get("baseUrl") ?? "https://api.github.com/").replace(/\/?$/, "/"),
                owner: args.owner ?? github.require("owner"),
                repository: args.repository,
                environment: environment.environment,
                put: environmentUpdateBody(wanted),
                removePolicies: [...differences.extraPolicies],
                keepPolicyIds: policies.map((policy) => policy.policyId),
                differences: [...differences.changes],
            },
            { parent: this, dependsOn: [environment, ...policies] },
        );
        for (const [secretName, value] of Object.entries(args.secrets ?? {})) {
            new ActionsEnvironmentSecret(
                `${name}-secret-${secretName}`,
                {
                    repository: args.repository,
                    environment: environment.environment,
                    secretName,
                    value: pulumi.secret(value),
                },
                { parent: this },
            );
        }
        for (const [variableName, value] of Object.entries(args.variables ?? {})) {
            new ActionsEnvironmentVariable(
                `${name}-variable-${variableName}`,
                { repository: args.repository, environment: environment.environment, variableName, value },
                { parent: this },
            );
        }

        this.environment = environment.environment;
        this.registerOutputs({ environment: this.environment });
    }

    /** Problems with the arguments, checked before anything is registered. */
    static validate(args: DeploymentEnvironmentArgs): string[] {
        const problems: string[] = [];
        if (!isRepositoryName(args.repository)) problems.push(`repository: ${JSON.stringify(args.repository)} is not a repository name`);
        if (args.owner !== undefined && !isGithubOwner(args.owner)) problems.push(`owner: ${JSON.stringify(args.owner)} is not a GitHub user or organisation name`);
        if (!isEnvironmentName(args.environment)) problems.push(`environment: ${JSON.stringify(args.environment)} is not an environment name`);
        const teams = args.reviewerTeamIds?.length ?? 0;
        const users = args.reviewerUserIds?.length ?? 0;
        const waitTimer = args.waitTimer ?? 0;
        // The plan and visibility rules need GitHub's answers: githubFacts.ts checks them.
        problems.push(...environmentLimitProblems({ teams, users, waitTimer }));
        if (!("protectedBranches" in args.deploymentRefs)) {
            const patterns = [...args.deploymentRefs.branches, ...args.deploymentRefs.tags];
            if (patterns.length === 0) problems.push("deploymentRefs: no branch or tag pattern; nothing could deploy");
            for (const pattern of patterns.filter((p) => !isDeploymentRefPattern(p))) {
                problems.push(`deploymentRefs: ${JSON.stringify(pattern)} is not a branch or tag pattern`);
            }
        }
        for (const variableName of [...Object.keys(args.secrets ?? {}), ...Object.keys(args.variables ?? {})]) {
            if (!isActionsVariableName(variableName)) problems.push(`${JSON.stringify(variableName)} is not a GitHub secret or variable name`);
        }
        return problems;
    }
}
