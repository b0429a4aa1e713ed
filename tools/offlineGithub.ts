// The offline GitHub: answers the GitHub provider's data sources and refuses resource
// registrations as GitHub and the provider would, from a "world" of plain data (the owner and its
// plan, repositories with visibility, teams and users with their access, refused questions).
// Without a world (`npm run plan`), every answer is an offline stand-in and says so with
// OFFLINE_STAND_IN_HEADER, so the program never mistakes it for GitHub's answer. GitHub's rules
// themselves live in components/realServices/github.ts.

import { OFFLINE_STAND_IN_HEADER } from "../components/githubLookups";
import { ENVIRONMENT_GUARD_TYPE, EnvironmentGuardInputs, guardHasChanges, guardRequests } from "../components/environmentGuard";
import {
    BRANCH_POLICIES_PER_PAGE,
    BranchPolicyKind,
    environmentLimitProblems,
    environmentRejection,
    environmentUpdateBody,
    EnvironmentProtectionState,
    LiveBranchPolicy,
    MAX_ENVIRONMENT_REVIEWERS,
    PlanProtection,
    planProtection,
    RepositoryVisibility,
} from "../components/realServices/github";

export type RepositoryPermission = "admin" | "maintain" | "write" | "triage" | "read";

export interface GithubWorldRepository {
    /** The name as GitHub spells it (lookups are case-insensitive, as GitHub's are). */
    readonly name: string;
    readonly id: number;
    readonly visibility: RepositoryVisibility;
    /** The subject form its OIDC tokens carry. Defaults to "immutable". */
    readonly subjectFormat?: "legacy" | "immutable";
    /** Claim keys of a custom OIDC subject template, when the repository has one. */
    readonly customSubjectClaims?: readonly string[];
    /** Branches protected by a branch protection rule or a ruleset. Defaults to ["main"]. */
    readonly protectedBranches?: readonly string[];
}

/**
 * An environment as GitHub holds it. `reviewers` is the required_reviewers protection rule,
 * absent when there is none (GitHub drops the rule with its last reviewer; prevent_self_review
 * lives inside it).
 */
export interface GithubWorldEnvironment {
    readonly repository: string;
    readonly name: string;
    readonly reviewers?: { readonly teams: readonly number[]; readonly users: readonly number[]; readonly preventSelfReview: boolean };
    readonly canAdminsBypass: boolean;
    readonly waitTimer: number;
    readonly branchPolicy: BranchPolicyKind;
    /**
     * Custom deployment branch and tag policies. Kept when the policy type is switched away from
     * "custom" (whether GitHub deletes them then is undocumented; the list endpoint serves only
     * custom environments, so keyless does not read them then).
     */
    readonly policies: readonly LiveBranchPolicy[];
}

export interface GithubWorld {
    /** The account `github:owner` names. */
    readonly owner: {
        readonly login: string;
        readonly id: number;
        readonly type: "Organization" | "User";
        /** `plan.name` as GitHub knows it ("free", "pro", "team", "enterprise"). */
        readonly plan: string;
        /** Whether the token may see the plan (only owners, or an App with Organization plan). Defaults to true. */
        readonly planVisible?: boolean;
    };
    readonly repositories: readonly GithubWorldRepository[];
    /** Teams of the organisation and the repositories (by name) each can read. */
    readonly teams?: readonly { readonly slug: string; readonly id: number; readonly repositories: readonly string[] }[];
    /** Users and their permission on repositories (by name); a repository not listed is "none". */
    readonly users?: readonly { readonly login: string; readonly id: number; readonly permissions?: Readonly<Record<string, RepositoryPermission>> }[];
    /**
     * Questions GitHub refuses, by endpoint as keyless asks it (`repos/acme/api/actions/oidc/customization/sub`),
     * with the status and message; the provider raises them as errors.
     */
    readonly refusals?: Readonly<Record<string, { readonly status: number; readonly message: string }>>;
    /** The environments that exist (none: a first deploy). */
    readonly environments?: readonly GithubWorldEnvironment[];
    /** `resources.core` of GET rate_limit. Defaults to a full budget of 5000. */
    readonly rateLimit?: { readonly limit: number; readonly remaining: number; readonly reset: number };
}

type Result = Record<string, unknown>;

const API = "https://api.github.com";

/** The provider's error for an error status, in go-github's words (ErrorResponse.Error). */
export function providerError(method: string, endpoint: string, status: number, message: string): Error {
    return new Error(`${method} ${API}/${endpoint.replace(/^\//, "")}: ${status} ${message} []`);
}

/**
 * A failed data-source call as the engine reports it to the program: a gRPC error whose
 * `details` the SDK turns into the Error the program sees (runtime/invoke.js:
 * `innerReject(new Error(err.details))`), in the bridge's words. A plain Error thrown from the
 * mocks has no `details` and reaches the program as a bare "Error".
 */
export function engineInvokeError(token: string, cause: Error): Error {
    const details = `invocation of ${token} returned an error: invoking ${token}: 1 error occurred:\n\t* ${cause.message}`;
    return Object.assign(new Error(details), { code: 2, details });
}

function restAnswer(endpoint: string, status: number, body: unknown, standIn: boolean): Result {
    const reason: Record<number, string> = { 200: "OK", 204: "No Content", 404: "Not Found" };
    return {
        endpoint,
        code: status,
        status: `${status} ${reason[status] ?? ""}`.trim(),
        headers: JSON.stringify(standIn ? { [OFFLINE_STAND_IN_HEADER]: ["would be asked of GitHub at pulumi up"] } : {}),
        body: body === undefined ? "" : JSON.stringify(body),
        id: standIn ? "offline-stand-in" : "offline",
    };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The answer to a GitHub data-source call, or undefined for tokens this module does not answer.
 * Throws as the provider does for statuses other than 200 and 404.
 */
export function answerGithubInvoke(
    token: string,
    args: Record<string, unknown>,
    world: GithubWorld | undefined,
    standIn: (what: string) => number,
): Result | undefined {
    try {
        return answerGithub(token, args, world, standIn);
    } catch (error) {
        throw engineInvokeError(token, error instanceof Error ? error : new Error(String(error)));
    }
}

function answerGithub(token: string, args: Record<string, unknown>, world: GithubWorld | undefined, standIn: (what: string) => number): Result | undefined {
    switch (token) {
        case "github:index/getRestApi:getRestApi": {
            const endpoint = String(args.endpoint ?? "").replace(/^\//, "");
            return world ? answerRest(endpoint, world) : standInRest(endpoint, standIn);
        }
        case "github:index/getTeam:getTeam": {
            const slug = String(args.slug ?? "");
            if (!world) return { id: String(standIn(`team ${slug}`)), slug, name: slug, nodeId: "", members: [], repositories: [] };
            refuse(world, `orgs/${world.owner.login}/teams/${slug}`);
            const team = world.owner.type === "Organization" ? world.teams?.find((entry) => same(entry.slug, slug)) : undefined;
            if (!team) throw providerError("GET", `orgs/${world.owner.login}/teams/${slug}`, 404, "Not Found");
            return { id: String(team.id), slug: team.slug, name: team.slug, nodeId: "", members: [], repositories: [] };
        }
        case "github:index/getUser:getUser": {
            const login = String(args.username ?? "");
            if (!world) return { id: String(standIn(`user ${login}`)), login, nodeId: "" };
            refuse(world, `users/${login}`);
            const user = world.users?.find((entry) => same(entry.login, login)) ?? (same(world.owner.login, login) && world.owner.type === "User" ? world.owner : undefined);
            if (!user) throw providerError("GET", `users/${login}`, 404, "Not Found");
            return { id: String(user.id), login: user.login, nodeId: "" };
        }
        case "github:index/getRepository:getRepository": {
            const fullName = String(args.fullName ?? args.name ?? "");
            return { ...args, fullName, repoId: standIn(`repository ${fullName}`) };
        }
        default:
            return undefined;
    }
}

function refusalOf(world: GithubWorld, endpoint: string): { readonly status: number; readonly message: string } | undefined {
    return Object.entries(world.refusals ?? {}).find(([asked]) => same(asked.replace(/^\//, ""), endpoint))?.[1];
}

function refuse(world: GithubWorld, endpoint: string): void {
    const refusal = refusalOf(world, endpoint);
    if (refusal) throw providerError("GET", endpoint, refusal.status, refusal.message);
}

function answerRest(endpoint: string, world: GithubWorld): Result {
    // github_rest_api returns a 404 as an answer and raises every other error status.
    const refusal = refusalOf(world, endpoint);
    if (refusal?.status === 404) return restAnswer(endpoint, 404, { message: refusal.message }, false);
    refuse(world, endpoint);
    const owner = world.owner;
    const repository = (ownerLogin: string, name: string) =>
        same(ownerLogin, owner.login) ? world.repositories.find((entry) => same(entry.name, name)) : undefined;
    const notFound = () => restAnswer(endpoint, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }, false);
    let match: RegExpExecArray | null;

    if ((match = /^repos\/([^/]+)\/([^/]+)$/.exec(endpoint))) {
        const found = repository(match[1], match[2]);
        if (!found) return notFound();
        return restAnswer(
            endpoint,
            200,
            {
                id: found.id,
                name: found.name,
                full_name: `${owner.login}/${found.name}`,
                owner: { login: owner.login, id: owner.id, type: owner.type },
                private: found.visibility !== "public",
                visibility: found.visibility,
            },
            false,
        );
    }
    if ((match = /^repos\/([^/]+)\/([^/]+)\/actions\/oidc\/customization\/sub$/.exec(endpoint))) {
        const found = repository(match[1], match[2]);
        if (!found) return notFound();
        const immutable = (found.subjectFormat ?? "immutable") === "immutable";
        return restAnswer(
            endpoint,
            200,
            {
                use_default: found.customSubjectClaims === undefined,
                ...(found.customSubjectClaims ? { include_claim_keys: found.customSubjectClaims } : {}),
                use_immutable_subject: immutable,
                sub_claim_prefix: immutable ? `repo:${owner.login}@${owner.id}/${found.name}@${found.id}` : `repo:${owner.login}/${found.name}`,
            },
            false,
        );
    }
    if ((match = /^orgs\/([^/]+)$/.exec(endpoint))) {
        if (owner.type !== "Organization" || !same(match[1], owner.login)) return notFound();
        const plan = owner.planVisible === false ? {} : { plan: { name: owner.plan } };
        return restAnswer(endpoint, 200, { login: owner.login, id: owner.id, type: "Organization", ...plan }, false);
    }
    if ((match = /^users\/([^/]+)$/.exec(endpoint))) {
        if (same(match[1], owner.login)) {
            const plan = owner.planVisible === false || owner.type !== "User" ? {} : { plan: { name: owner.plan } };
            return restAnswer(endpoint, 200, { login: owner.login, id: owner.id, type: owner.type, ...plan }, false);
        }
        const user = world.users?.find((entry) => same(entry.login, match![1]));
        return user ? restAnswer(endpoint, 200, { login: user.login, id: user.id, type: "User" }, false) : notFound();
    }
    if ((match = /^orgs\/([^/]+)\/teams\/([^/]+)\/repos\/([^/]+)\/([^/]+)$/.exec(endpoint))) {
        const team = same(match[1], owner.login) ? world.teams?.find((entry) => same(entry.slug, match![2])) : undefined;
        const found = repository(match[3], match[4]);
        // 204 when the team has access, 404 when not (REST "Check team permissions for a repository").
        return team && found && team.repositories.some((name) => same(name, found.name)) ? restAnswer(endpoint, 204, undefined, false) : notFound();
    }
    if ((match = /^repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/.exec(endpoint))) {
        const found = repository(match[1], match[2]);
        const login = match[3];
        const user = world.users?.find((entry) => same(entry.login, login));
        if (!found || (!user && !same(login, owner.login))) return notFound();
        const permission = same(login, owner.login) && owner.type === "User" ? "admin" : permissionOf(user?.permissions, found.name) ?? "none";
        return restAnswer(endpoint, 200, { permission, role_name: permission, user: { login } }, false);
    }
    const [path, query = ""] = endpoint.split("?");
    const parameters = new URLSearchParams(query);
    if (path === "rate_limit") {
        const core = world.rateLimit ?? { limit: 5000, remaining: 5000, reset: 1893456000 };
        return restAnswer(endpoint, 200, { resources: { core: { ...core, used: core.limit - core.remaining } } }, false);
    }
    if ((match = /^repos\/([^/]+)\/([^/]+)\/branches$/.exec(path))) {
        const found = repository(match[1], match[2]);
        if (!found) return notFound();
        const wantProtected = parameters.get("protected");
        const branches = (found.protectedBranches ?? ["main"]).map((name) => ({ name, protected: true }));
        // Only protected=true is modelled: keyless asks nothing else.
        if (wantProtected !== "true") throw new Error(`offline GitHub: only branches?protected=true is modelled, asked ${endpoint}`);
        return restAnswer(endpoint, 200, branches.slice(0, perPage(parameters)), false);
    }
    if ((match = /^repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)(\/deployment-branch-policies)?$/.exec(path))) {
        const found = repository(match[1], match[2]);
        const environment = found && findEnvironment(world, found.name, decodeURIComponent(match[3]));
        if (!environment) return notFound();
        if (!match[4]) return restAnswer(endpoint, 200, environmentBody(world, environment), false);
        const size = perPage(parameters);
        const page = Number(parameters.get("page") ?? "1");
        const policies = environment.policies.slice((page - 1) * size, page * size);
        return restAnswer(endpoint, 200, { total_count: environment.policies.length, branch_policies: policies.map((policy) => ({ ...policy, node_id: `P${policy.id}` })) }, false);
    }
    return notFound();
}

/** REST `per_page`: default 30, at most 100 ("The number of results per page (max 100)"). */
function perPage(parameters: URLSearchParams): number {
    return Math.min(Number(parameters.get("per_page") ?? "30"), BRANCH_POLICIES_PER_PAGE);
}

function findEnvironment(world: GithubWorld, repository: string, name: string): GithubWorldEnvironment | undefined {
    // Environment names are case-insensitive on GitHub.
    return world.environments?.find((entry) => same(entry.repository, repository) && same(entry.name, name));
}

/** REST "Get an environment", as GitHub answers it: the rules that exist, reviewers with their names. */
function environmentBody(world: GithubWorld, environment: GithubWorldEnvironment): Record<string, unknown> {
    const rules: Record<string, unknown>[] = [];
    if (environment.waitTimer > 0) rules.push({ id: 1, node_id: "W", type: "wait_timer", wait_timer: environment.waitTimer });
    if (environment.reviewers) {
        const reviewers = [
            ...environment.reviewers.teams.map((id) => ({ type: "Team", reviewer: { id, slug: world.teams?.find((team) => team.id === id)?.slug ?? `team-${id}` } })),
            ...environment.reviewers.users.map((id) => ({ type: "User", reviewer: { id, login: world.users?.find((user) => user.id === id)?.login ?? `user-${id}` } })),
        ];
        rules.push({ id: 2, node_id: "R", type: "required_reviewers", prevent_self_review: environment.reviewers.preventSelfReview, reviewers });
    }
    if (environment.branchPolicy !== "all") rules.push({ id: 3, node_id: "B", type: "branch_policy" });
    return {
        id: 100,
        name: environment.name,
        can_admins_bypass: environment.canAdminsBypass,
        protection_rules: rules,
        deployment_branch_policy:
            environment.branchPolicy === "all" ? null : { protected_branches: environment.branchPolicy === "protected", custom_branch_policies: environment.branchPolicy === "custom" },
    };
}

function permissionOf(permissions: Readonly<Record<string, RepositoryPermission>> | undefined, repository: string): RepositoryPermission | undefined {
    return Object.entries(permissions ?? {}).find(([name]) => same(name, repository))?.[1];
}

/** Offline stand-ins: made-up IDs for repositories, nothing else known; every answer is marked. */
function standInRest(endpoint: string, standIn: (what: string) => number): Result {
    const repository = /^repos\/([^/]+)\/([^/]+)$/.exec(endpoint);
    if (repository) {
        const [, owner, name] = repository;
        const body = { full_name: `${owner}/${name}`, id: standIn(`repository ${owner}/${name}`), owner: { login: owner, id: standIn(`owner ${owner}`) } };
        return restAnswer(endpoint, 200, body, true);
    }
    return restAnswer(endpoint, 404, undefined, true);
}

/** What GitHub (or the provider) answers when the program registers a GitHub resource: undefined when accepted. */
export function githubRegistrationRefusal(type: string, inputs: Record<string, unknown>, world: GithubWorld | undefined): Error | undefined {
    if (type !== "github:index/repositoryEnvironment:RepositoryEnvironment") return undefined;
    const repositoryName = String(inputs.repository ?? "");
    const environment = String(inputs.environment ?? "");
    const endpoint = `repos/${world?.owner.login ?? "OWNER"}/${repositoryName}/environments/${environment}`;
    const block = (Array.isArray(inputs.reviewers) ? inputs.reviewers[0] : undefined) as { teams?: unknown; users?: unknown } | undefined;
    const ids = (value: unknown) => (Array.isArray(value) ? value.map(Number) : []);
    const teams = ids(block?.teams);
    const users = ids(block?.users);
    // The provider sends wait_timer only when non-zero and prevent_self_review always (default false).
    const waitTimer = typeof inputs.waitTimer === "number" ? inputs.waitTimer : 0;
    const preventSelfReview = inputs.preventSelfReview === true;

    // The provider's own checks come first: each reviewer set has MaxItems 6, wait_timer IntBetween(0, 43200).
    if (teams.length > MAX_ENVIRONMENT_REVIEWERS || users.length > MAX_ENVIRONMENT_REVIEWERS) {
        return new Error(`reviewers.0: attribute supports ${MAX_ENVIRONMENT_REVIEWERS} item maximum, config has ${Math.max(teams.length, users.length)} declared`);
    }
    const limits = environmentLimitProblems({ teams: teams.length, users: users.length, waitTimer });
    if (limits.length > 0) return providerError("PUT", endpoint, 422, limits.join("; "));

    let facts: { visibility: RepositoryVisibility; plan: PlanProtection } | undefined;
    if (world) {
        const repository = world.repositories.find((entry) => same(entry.name, repositoryName));
        if (!repository) return providerError("PUT", endpoint, 404, "Not Found");
        // GitHub knows its own plan, whoever may read it; a world's plan name must be one keyless knows.
        const plan = planProtection(world.owner.plan);
        if (plan === "unknown") throw new Error(`offline GitHub world: unknown plan ${JSON.stringify(world.owner.plan)} for ${world.owner.login}`);
        facts = { visibility: repository.visibility, plan };
        // REST "Create or update an environment": "The reviewers must have at least read access to
        // the repository." GitHub's literal message for this case is not documented; this one says the rule.
        for (const id of teams) {
            const team = world.teams?.find((entry) => entry.id === id);
            if (!team?.repositories.some((name) => same(name, repository.name))) {
                return providerError("PUT", endpoint, 422, `Reviewer team ${id} must have at least read access to the repository.`);
            }
        }
        for (const id of users) {
            const user = world.users?.find((entry) => entry.id === id);
            const owns = world.owner.type === "User" && world.owner.id === id;
            if (!owns && permissionOf(user?.permissions, repository.name) === undefined) {
                return providerError("PUT", endpoint, 422, `Reviewer user ${id} must have at least read access to the repository.`);
            }
        }
    }
    const rejection = environmentRejection({ reviewers: teams.length + users.length, waitTimer, preventSelfReview }, facts);
    return rejection ? providerError("PUT", endpoint, 422, rejection) : undefined;
}

// ---------------------------------------------------------------------------------------------
// An organisation edited by hand, and what `pulumi preview --refresh` and `pulumi up --refresh`
// do to it: the GitHub provider's Read, diff and writes for environments and their deployment
// policies (terraform-provider-github v6.13.0, blind spots included) and keyless's EnvironmentGuard.

/** A hand edit of one environment on GitHub's site. */
export type HandEdit =
    | { readonly kind: "removeReviewers" }
    | { readonly kind: "addPattern"; readonly pattern: string; readonly type?: "branch" | "tag" }
    | { readonly kind: "renamePattern"; readonly from: string; readonly to: string }
    | { readonly kind: "adminBypass"; readonly on: boolean }
    | { readonly kind: "waitTimer"; readonly minutes: number }
    | { readonly kind: "branchPolicy"; readonly policy: BranchPolicyKind }
    | { readonly kind: "preventSelfReview"; readonly on: boolean };

/** The world after someone changed an environment by hand (the environment must exist). */
export function editByHand(world: GithubWorld, repository: string, environment: string, ...edits: HandEdit[]): GithubWorld {
    const found = findEnvironment(world, repository, environment);
    if (!found) throw new Error(`offline GitHub: no environment ${environment} of ${repository} to edit`);
    let edited: GithubWorldEnvironment = found;
    for (const edit of edits) {
        switch (edit.kind) {
            case "removeReviewers":
                // GitHub drops the required_reviewers rule, and prevent_self_review with it.
                edited = { ...edited, reviewers: undefined };
                break;
            case "addPattern":
                edited = { ...edited, policies: [...edited.policies, { id: nextPolicyId(world), name: edit.pattern, type: edit.type ?? "branch" }] };
                break;
            case "renamePattern":
                edited = { ...edited, policies: edited.policies.map((policy) => (policy.name === edit.from ? { ...policy, name: edit.to } : policy)) };
                break;
            case "adminBypass":
                edited = { ...edited, canAdminsBypass: edit.on };
                break;
            case "waitTimer":
                edited = { ...edited, waitTimer: edit.minutes };
                break;
            case "branchPolicy":
                edited = { ...edited, branchPolicy: edit.policy };
                break;
            case "preventSelfReview":
                edited = edited.reviewers ? { ...edited, reviewers: { ...edited.reviewers, preventSelfReview: edit.on } } : edited;
                break;
        }
    }
    return { ...world, environments: (world.environments ?? []).map((entry) => (entry === found ? edited : entry)) };
}

function nextPolicyId(world: GithubWorld): number {
    return 1 + Math.max(40000, ...(world.environments ?? []).flatMap((environment) => environment.policies.map((policy) => policy.id)));
}

/** One resource in the stack's state. */
export interface OfflineStateResource {
    readonly urn: string;
    readonly type: string;
    readonly id: string;
    readonly outputs: Readonly<Record<string, unknown>>;
}

export interface OfflineStep {
    readonly urn: string;
    readonly type: string;
    readonly op: "create" | "update" | "same" | "delete";
}

export const ENVIRONMENT_TYPE = "github:index/repositoryEnvironment:RepositoryEnvironment";
export const POLICY_TYPE = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy";
const MODELLED = new Set([ENVIRONMENT_TYPE, POLICY_TYPE, ENVIRONMENT_GUARD_TYPE]);

type Registration = { readonly urn: string; readonly type: string; readonly inputs: Readonly<Record<string, unknown>> };

/**
 * `pulumi preview --refresh` (apply false) or `pulumi up --refresh` (apply true) of the GitHub side
 * of a program run (its registrations, as runOffline records them) against `world`, from `prior`
 * state: refresh (the provider's Read), the diff of each registration, and, with apply, the
 * provider's writes. Returns the steps (a preview with any step but "same" fails
 * `--expect-no-changes`), the new state and the world afterwards.
 */
export function deployOffline(
    world: GithubWorld,
    prior: readonly OfflineStateResource[],
    registrations: readonly Registration[],
    options: { readonly apply: boolean },
): { world: GithubWorld; state: OfflineStateResource[]; steps: OfflineStep[] } {
    const org = new Organisation(world);
    const refreshed = prior.flatMap((resource) => {
        const read = refresh(resource, org);
        return read ? [read] : [];
    });
    const state: OfflineStateResource[] = [];
    const steps: OfflineStep[] = [];
    const registered = registrations.filter((registration) => MODELLED.has(registration.type));
    for (const registration of registered) {
        const old = refreshed.find((resource) => resource.urn === registration.urn);
        const inputs = registration.type === ENVIRONMENT_GUARD_TYPE ? withKeptPolicies(registration.inputs, state) : registration.inputs;
        const changed = old === undefined || hasDiff(registration.type, old.outputs, inputs);
        steps.push({ urn: registration.urn, type: registration.type, op: old === undefined ? "create" : changed ? "update" : "same" });
        if (!changed) {
            state.push(old);
        } else if (options.apply) {
            state.push(write(registration.urn, registration.type, inputs, old, org));
        } else {
            state.push(old ?? { urn: registration.urn, type: registration.type, id: "", outputs: inputs });
        }
    }
    for (const old of refreshed.filter((resource) => !registered.some((registration) => registration.urn === resource.urn))) {
        steps.push({ urn: old.urn, type: old.type, op: "delete" });
        if (options.apply) remove(old, org);
    }
    return { world: options.apply ? org.world() : world, state, steps };
}

/** The guard's keepPolicyIds resolve to the policyId outputs of the stack's own policies of that environment. */
function withKeptPolicies(inputs: Readonly<Record<string, unknown>>, state: readonly OfflineStateResource[]): Record<string, unknown> {
    const keep = state
        .filter((resource) => resource.type === POLICY_TYPE && same(String(resource.outputs.repository), String(inputs.repository)) && same(String(resource.outputs.environment), String(inputs.environment)))
        .map((resource) => Number(resource.outputs.policyId));
    return { ...inputs, keepPolicyIds: keep };
}

/** The live organisation while a deployment runs. */
class Organisation {
    private readonly environments: GithubWorldEnvironment[];
    constructor(private readonly base: GithubWorld) {
        this.environments = [...(base.environments ?? [])];
    }

    find(repository: string, name: string): GithubWorldEnvironment | undefined {
        return this.environments.find((entry) => same(entry.repository, repository) && same(entry.name, name));
    }

    /** PUT repos/{owner}/{repo}/environments/{name}: creates or replaces the whole protection (see environmentUpdateBody). */
    put(repository: string, name: string, body: Record<string, unknown>): void {
        const old = this.find(repository, name);
        const reviewers = Array.isArray(body.reviewers) ? (body.reviewers as { type: string; id: number }[]) : [];
        const policy = body.deployment_branch_policy as { protected_branches: boolean; custom_branch_policies: boolean } | null;
        const next: GithubWorldEnvironment = {
            repository: old?.repository ?? repository,
            name: old?.name ?? name,
            reviewers:
                reviewers.length > 0
                    ? { teams: reviewers.filter((r) => r.type === "Team").map((r) => r.id), users: reviewers.filter((r) => r.type === "User").map((r) => r.id), preventSelfReview: body.prevent_self_review === true }
                    : undefined,
            canAdminsBypass: body.can_admins_bypass !== false,
            waitTimer: typeof body.wait_timer === "number" ? body.wait_timer : 0,
            branchPolicy: !policy ? "all" : policy.custom_branch_policies ? "custom" : policy.protected_branches ? "protected" : "all",
            policies: old?.policies ?? [],
        };
        this.replace(old, next);
    }

    addPolicy(repository: string, name: string, pattern: string, type: "branch" | "tag"): number {
        const environment = this.find(repository, name);
        if (!environment) throw providerError("POST", `repos/${this.base.owner.login}/${repository}/environments/${name}/deployment-branch-policies`, 404, "Not Found");
        const id = nextPolicyId({ ...this.base, environments: this.environments });
        this.replace(environment, { ...environment, policies: [...environment.policies, { id, name: pattern, type }] });
        return id;
    }

    renamePolicy(repository: string, name: string, id: number, pattern: string): void {
        const environment = this.find(repository, name);
        if (environment) this.replace(environment, { ...environment, policies: environment.policies.map((policy) => (policy.id === id ? { ...policy, name: pattern } : policy)) });
    }

    deletePolicy(repository: string, name: string, id: number): void {
        const environment = this.find(repository, name);
        if (environment) this.replace(environment, { ...environment, policies: environment.policies.filter((policy) => policy.id !== id) });
    }

    deleteEnvironment(repository: string, name: string): void {
        const environment = this.find(repository, name);
        if (environment) this.environments.splice(this.environments.indexOf(environment), 1);
    }

    world(): GithubWorld {
        return { ...this.base, environments: [...this.environments] };
    }

    private replace(old: GithubWorldEnvironment | undefined, next: GithubWorldEnvironment): void {
        if (old) this.environments[this.environments.indexOf(old)] = next;
        else this.environments.push(next);
    }
}

/**
 * The provider's Read. RepositoryEnvironment (resourceGithubRepositoryEnvironmentRead): 404 drops it
 * from the state; wait_timer is reset, then set from its rule; can_admins_bypass and the branch
 * policy are always read; reviewers and prevent_self_review only while a required_reviewers rule
 * exists (the blind spot). A deployment policy is read by ID: 404 drops it, else its pattern.
 */
function refresh(resource: OfflineStateResource, org: Organisation): OfflineStateResource | undefined {
    const outputs = resource.outputs;
    if (resource.type === ENVIRONMENT_TYPE) {
        const live = org.find(String(outputs.repository), String(outputs.environment));
        if (!live) return undefined;
        const read: Record<string, unknown> = {
            ...outputs,
            waitTimer: live.waitTimer,
            canAdminsBypass: live.canAdminsBypass,
            deploymentBranchPolicy:
                live.branchPolicy === "all" ? undefined : { protectedBranches: live.branchPolicy === "protected", customBranchPolicies: live.branchPolicy === "custom" },
        };
        if (live.reviewers) {
            read.reviewers = [{ teams: [...live.reviewers.teams], users: [...live.reviewers.users] }];
            read.preventSelfReview = live.reviewers.preventSelfReview;
        }
        return { ...resource, outputs: read };
    }
    if (resource.type === POLICY_TYPE) {
        const live = org.find(String(outputs.repository), String(outputs.environment))?.policies.find((policy) => policy.id === Number(outputs.policyId));
        if (!live) return undefined;
        return { ...resource, outputs: { ...outputs, ...(live.type === "branch" ? { branchPattern: live.name } : { tagPattern: live.name }) } };
    }
    // A dynamic resource without `read` keeps its state (cmd/dynamic-provider: "simply return back the input state").
    return resource;
}

/** The protection a RepositoryEnvironment's inputs (or state) stand for. */
function environmentProtection(values: Readonly<Record<string, unknown>>): EnvironmentProtectionState {
    const block = (Array.isArray(values.reviewers) ? values.reviewers[0] : undefined) as { teams?: number[]; users?: number[] } | undefined;
    const policy = values.deploymentBranchPolicy as { protectedBranches?: boolean; customBranchPolicies?: boolean } | undefined;
    return {
        teams: [...(block?.teams ?? [])].map(Number).sort(),
        users: [...(block?.users ?? [])].map(Number).sort(),
        preventSelfReview: values.preventSelfReview === true,
        // The schema's default is true.
        canAdminsBypass: values.canAdminsBypass !== false,
        waitTimer: typeof values.waitTimer === "number" ? values.waitTimer : 0,
        branchPolicy: !policy ? "all" : policy.customBranchPolicies ? "custom" : policy.protectedBranches ? "protected" : "all",
    };
}

function hasDiff(type: string, state: Readonly<Record<string, unknown>>, inputs: Readonly<Record<string, unknown>>): boolean {
    if (type === ENVIRONMENT_TYPE) return JSON.stringify(environmentProtection(state)) !== JSON.stringify(environmentProtection(inputs));
    if (type === POLICY_TYPE) return (state.branchPattern ?? "") !== (inputs.branchPattern ?? "") || (state.tagPattern ?? "") !== (inputs.tagPattern ?? "");
    // EnvironmentGuard's own diff.
    return guardHasChanges(inputs);
}

/** The provider's Create or Update (the environment's both send createUpdateEnvironmentData's PUT). */
function write(urn: string, type: string, inputs: Readonly<Record<string, unknown>>, old: OfflineStateResource | undefined, org: Organisation): OfflineStateResource {
    const repository = String(inputs.repository);
    const environment = String(inputs.environment);
    if (type === ENVIRONMENT_TYPE) {
        org.put(repository, environment, environmentUpdateBody(environmentProtection(inputs)));
        return { urn, type, id: `${repository}:${environment}`, outputs: { ...inputs } };
    }
    if (type === POLICY_TYPE) {
        const pattern = String(inputs.branchPattern ?? inputs.tagPattern);
        if (old) {
            // Update sends only the new name (resourceGithubRepositoryEnvironmentDeploymentPolicyUpdate).
            org.renamePolicy(repository, environment, Number(old.outputs.policyId), pattern);
            return { ...old, outputs: { ...inputs, policyId: old.outputs.policyId } };
        }
        const policyId = org.addPolicy(repository, environment, pattern, inputs.branchPattern !== undefined ? "branch" : "tag");
        return { urn, type, id: `${repository}:${environment}:${policyId}`, outputs: { ...inputs, policyId } };
    }
    // EnvironmentGuard: its requests, sent to the organisation.
    for (const request of guardRequests(inputs as unknown as EnvironmentGuardInputs)) {
        if (request.method === "PUT") org.put(repository, environment, request.body ?? {});
        else org.deletePolicy(repository, environment, Number(request.path.slice(request.path.lastIndexOf("/") + 1)));
    }
    return { urn, type, id: `${repository}:${environment}`, outputs: { ...inputs } };
}

function remove(resource: OfflineStateResource, org: Organisation): void {
    const repository = String(resource.outputs.repository);
    const environment = String(resource.outputs.environment);
    // DELETE of an environment deletes its secrets, variables and policies with it.
    if (resource.type === ENVIRONMENT_TYPE) org.deleteEnvironment(repository, environment);
    if (resource.type === POLICY_TYPE) org.deletePolicy(repository, environment, Number(resource.outputs.policyId));
    // EnvironmentGuard's delete does nothing.
}
