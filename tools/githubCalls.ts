// The GitHub API calls a stack costs: those its preview makes (the program's data-source calls,
// as an offline run records them) and those a drift refresh makes (a Read of every GitHub
// resource), against a GitHub App installation's hourly budget. Pure: recorded invokes and
// resources in, counts out. Used by the plan benchmark and its tests.

import type { RecordedInvoke, RecordedResource } from "./offlineRun";

/** One call to GitHub: its kind (the data source and, for REST, the path's shape) and the exact question. */
export interface GithubCall {
    readonly kind: string;
    readonly question: string;
}

/** The REST paths keyless asks, by shape (components/githubFacts.ts). */
const REST_SHAPES: readonly [RegExp, string][] = [
    [/^rate_limit$/, "rate_limit"],
    [/^repos\/[^/]+\/[^/]+$/, "repos/{owner}/{repo}"],
    [/^repos\/[^/]+\/[^/]+\/environments\/[^/]+$/, "repos/{owner}/{repo}/environments/{environment}"],
    [/^repos\/[^/]+\/[^/]+\/environments\/[^/]+\/deployment-branch-policies(\?.*)?$/, "repos/{owner}/{repo}/environments/{environment}/deployment-branch-policies"],
    [/^repos\/[^/]+\/[^/]+\/branches\?protected=true.*$/, "repos/{owner}/{repo}/branches?protected=true"],
    [/^repos\/[^/]+\/[^/]+\/actions\/oidc\/customization\/sub$/, "repos/{owner}/{repo}/actions/oidc/customization/sub"],
    [/^repos\/[^/]+\/[^/]+\/collaborators\/[^/]+\/permission$/, "repos/{owner}/{repo}/collaborators/{user}/permission"],
    [/^orgs\/[^/]+\/teams\/[^/]+\/repos\/[^/]+\/[^/]+$/, "orgs/{org}/teams/{team}/repos/{owner}/{repo}"],
    [/^orgs\/[^/]+$/, "orgs/{org}"],
    [/^users\/[^/]+$/, "users/{user}"],
];

/** The calls to GitHub among a run's data-source calls (tokens `github:*`). */
export function githubCallsOf(invokes: readonly RecordedInvoke[]): GithubCall[] {
    return invokes
        .filter((invoke) => invoke.token.startsWith("github:"))
        .map((invoke) => {
            const source = invoke.token.slice(invoke.token.lastIndexOf(":") + 1);
            if (source === "getRestApi") {
                const endpoint = String(invoke.args.endpoint ?? "").replace(/^\//, "");
                const shape = REST_SHAPES.find(([pattern]) => pattern.test(endpoint))?.[1] ?? endpoint;
                // GitHub's paths are case-insensitive: the same question in another case is a repeat.
                return { kind: `getRestApi GET ${shape}`, question: `getRestApi GET ${endpoint.toLowerCase()}` };
            }
            const args = Object.entries(invoke.args)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([key, value]) => `${key}=${String(value).toLowerCase()}`)
                .join(" ");
            return { kind: source, question: `${source} ${args}` };
        });
}

/**
 * Whether a call counts against the hourly budget: every one but `GET rate_limit` ("Accessing this
 * endpoint does not count against your REST API rate limit", REST docs, "Get rate limit status for
 * the authenticated user").
 */
export function countsAgainstBudget(call: GithubCall): boolean {
    return call.kind !== "getRestApi GET rate_limit";
}

/** How many calls of each kind, most first. */
export function countByKind(calls: readonly { readonly kind: string }[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const call of calls) counts.set(call.kind, (counts.get(call.kind) ?? 0) + 1);
    return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

/** Questions asked more than once, with how often. */
export function repeatedQuestions(calls: readonly GithubCall[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const call of calls) counts.set(call.question, (counts.get(call.question) ?? 0) + 1);
    return [...counts].filter(([, count]) => count > 1);
}

/**
 * The GET each GitHub resource's Read makes in terraform-provider-github v6.13.0 (what
 * @pulumi/github 6.15 bridges), one per resource, as `pulumi refresh` (and `preview --refresh`)
 * calls it; checked in github/resource_github_<type>.go at v6.13.0, each Read one go-github call:
 */
const REFRESH_READS: Readonly<Record<string, string>> = {
    // resourceGithubRepositoryEnvironmentRead: client.Repositories.GetEnvironment
    "github:index/repositoryEnvironment:RepositoryEnvironment": "GET repos/{owner}/{repo}/environments/{environment}",
    // resourceGithubRepositoryEnvironmentDeploymentPolicyRead: client.Repositories.GetDeploymentBranchPolicy
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy":
        "GET repos/{owner}/{repo}/environments/{environment}/deployment-branch-policies/{id}",
    // resourceGithubActionsEnvironmentVariableRead: client.Actions.GetEnvVariable
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": "GET repos/{owner}/{repo}/environments/{environment}/variables/{name}",
    // resourceGithubActionsEnvironmentSecretRead: client.Actions.GetEnvSecret (by the repository's ID in state)
    "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": "GET repositories/{id}/environments/{environment}/secrets/{name}",
    // resourceGithubActionsVariableRead: client.Actions.GetRepoVariable
    "github:index/actionsVariable:ActionsVariable": "GET repos/{owner}/{repo}/actions/variables/{name}",
};

/** The reads a refresh makes of a stack's GitHub resources: one GET each (types not checked above are named so). */
export function refreshReadsOf(resources: readonly RecordedResource[]): { readonly kind: string }[] {
    return resources
        .filter((resource) => resource.custom && resource.type.startsWith("github:") && !resource.type.startsWith("pulumi:providers:"))
        .map((resource) => ({ kind: REFRESH_READS[resource.type] ?? `${resource.type} (one GET assumed, not checked)` }));
}

/**
 * A GitHub App installation's REST budget per hour (GitHub Docs, "Rate limits for the REST API",
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api, installation
 * access tokens): 5,000; on an organisation with more than 20 users, 50 more per user; with more
 * than 20 repositories, 50 more per repository; at most 12,500. An installation on a GitHub
 * Enterprise Cloud organisation has 15,000.
 */
export function installationBudget(installation: { readonly repositories: number; readonly users: number; readonly enterpriseCloud: boolean }): number {
    if (installation.enterpriseCloud) return 15_000;
    const extra = 50 * Math.max(0, installation.repositories - 20) + 50 * Math.max(0, installation.users - 20);
    return Math.min(12_500, 5_000 + extra);
}
