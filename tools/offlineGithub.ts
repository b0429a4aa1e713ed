// The offline GitHub: answers the GitHub provider's data sources and refuses resource
// registrations as GitHub and the provider would, from a "world" of plain data (the owner and its
// plan, repositories with visibility, teams and users with their access, refused questions).
// Without a world (`npm run plan`), every answer is an offline stand-in and says so with
// OFFLINE_STAND_IN_HEADER, so the program never mistakes it for GitHub's answer. GitHub's rules
// themselves live in components/realServices/github.ts.

import { OFFLINE_STAND_IN_HEADER } from "../components/githubLookups";
import {
    environmentLimitProblems,
    environmentRejection,
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
    return notFound();
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
