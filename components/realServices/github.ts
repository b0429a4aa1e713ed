// GitHub's rules for what keyless creates and asks, in one place, each with its source. Pure
// functions over plain data: the program checks them before registering anything
// (githubFacts.ts, deploymentEnvironment.ts), and the offline model (tools/offlineGithub.ts)
// answers and refuses with them exactly as GitHub and the GitHub provider do.

/** Repository visibility as `GET repos/{owner}/{repo}` reports it (`visibility`, or `private`). */
export type RepositoryVisibility = "public" | "private" | "internal";

/**
 * What a GitHub plan allows for environments on private and internal repositories.
 * "enterprise": everything; "limited": no required reviewers and no wait timer; "unknown": the
 * token could not read the plan (or GitHub reported a name keyless does not know).
 */
export type PlanProtection = "enterprise" | "limited" | "unknown";

/**
 * Up to six users or teams together. REST "Create or update an environment"
 * (https://docs.github.com/rest/deployments/environments): "You can list up to six users or
 * teams as reviewers." terraform-provider-github (github/resource_github_repository_environment.go)
 * caps each set at 6 (MaxItems) and, on update, says "a maximum of 6 reviewers (users and teams
 * combined) can be set for an environment".
 */
export const MAX_ENVIRONMENT_REVIEWERS = 6;

/**
 * REST "Create or update an environment": wait_timer "must be an integer between 0 and 43,200
 * (30 days)"; the provider validates it with validation.IntBetween(0, 43200).
 */
export const WAIT_TIMER_RANGE = { min: 0, max: 43200 } as const;

/**
 * Classifies `plan.name` of `GET orgs/{org}` or `GET users/{user}`. Source: GitHub Docs,
 * "Using environments for deployment" (data/reusables/gated-features/environments.md in
 * github/docs): environments, environment secrets and deployment branches work on private and
 * internal repositories with Pro, Team or Enterprise; "For access to other environment
 * protection rules in private or internal repositories, you must use GitHub Enterprise."
 * Names keyless does not know are "unknown", never guessed.
 */
export function planProtection(planName: string | undefined): PlanProtection {
    const name = (planName ?? "").trim().toLowerCase();
    if (name === "enterprise") return "enterprise";
    if (name === "free" || name === "pro" || name === "team") return "limited";
    return "unknown";
}

/** How people name a plan: "GitHub Team" for `team`; an unknown name is quoted as GitHub gave it. */
export function planTitle(planName: string): string {
    const titles: Record<string, string> = { free: "GitHub Free", pro: "GitHub Pro", team: "GitHub Team", enterprise: "GitHub Enterprise" };
    return titles[planName.trim().toLowerCase()] ?? `the plan GitHub calls ${JSON.stringify(planName)}`;
}

/** What an environment asks GitHub to enforce, as keyless sends it. */
export interface EnvironmentProtectionRequest {
    readonly reviewers: number;
    readonly waitTimer: number;
    readonly preventSelfReview: boolean;
}

/** The repository and plan facts GitHub's gating depends on. */
export interface ProtectionFacts {
    readonly visibility: RepositoryVisibility;
    readonly plan: PlanProtection;
}

/**
 * GitHub's 422 messages, quoted from public reports of the real API:
 * - prevent_self_review without reviewers: github-community-projects/safe-settings#628,
 *   "Failed to create or update the environment protection rule. Required reviewers must have
 *   at least one reviewer to set prevent_self_review."
 * - reviewers / wait timer on a private repository of a plan without them (GitHub still creates
 *   the environment, unprotected, when this fails): "Failed to create the environment
 *   protection rule. Please ensure the billing plan supports the required reviewers protection
 *   rule." and "... supports the wait timer protection rule." (as users of
 *   `PUT repos/{owner}/{repo}/environments/{name}` on Free and Team plans report them; see also
 *   https://github.com/orgs/community/discussions/43150: the options are missing on Team for
 *   private repositories).
 */
export const GITHUB_MESSAGES = {
    preventSelfReviewWithoutReviewers:
        "Failed to create or update the environment protection rule. Required reviewers must have at least one reviewer to set prevent_self_review.",
    reviewersNotInPlan:
        "Failed to create the environment protection rule. Please ensure the billing plan supports the required reviewers protection rule.",
    waitTimerNotInPlan:
        "Failed to create the environment protection rule. Please ensure the billing plan supports the wait timer protection rule.",
} as const;

/**
 * What GitHub answers to `PUT repos/{owner}/{repo}/environments/{name}` with this protection,
 * as the provider sends it (createUpdateEnvironmentData in resource_github_repository_environment.go:
 * `reviewers` and `wait_timer` only when set and non-zero, `prevent_self_review` always):
 * undefined when GitHub accepts it, else GitHub's message. `facts` undefined: visibility and plan
 * unknown, so only the rules that do not depend on them are applied.
 */
export function environmentRejection(request: EnvironmentProtectionRequest, facts?: ProtectionFacts): string | undefined {
    const gated = facts !== undefined && facts.visibility !== "public" && facts.plan === "limited";
    if (request.reviewers > 0 && gated) return GITHUB_MESSAGES.reviewersNotInPlan;
    if (request.reviewers === 0 && request.preventSelfReview) return GITHUB_MESSAGES.preventSelfReviewWithoutReviewers;
    if (request.waitTimer > 0 && gated) return GITHUB_MESSAGES.waitTimerNotInPlan;
    return undefined;
}

/** Problems the GitHub provider or GitHub raise for the environment's own values. */
export function environmentLimitProblems(request: { readonly teams: number; readonly users: number; readonly waitTimer: number }): string[] {
    const problems: string[] = [];
    const reviewers = request.teams + request.users;
    if (reviewers > MAX_ENVIRONMENT_REVIEWERS) {
        problems.push(`reviewers: ${reviewers} given; GitHub accepts at most ${MAX_ENVIRONMENT_REVIEWERS} teams and users together`);
    }
    const { min, max } = WAIT_TIMER_RANGE;
    if (!Number.isInteger(request.waitTimer) || request.waitTimer < min || request.waitTimer > max) {
        // The provider's own words are validation.IntBetween's.
        problems.push(
            `waitTimer: ${request.waitTimer} is outside ${min}-${max} minutes; the GitHub provider refuses it ` +
                `("expected wait_timer to be in the range (${min} - ${max}), got ${request.waitTimer}")`,
        );
    }
    return problems;
}

/**
 * Whether a reviewer may approve deployments of the repository. REST "Create or update an
 * environment": "The reviewers must have at least read access to the repository."
 * - team: `GET orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}` answers 204 (or 200 with the
 *   repository media type) when the team has access, 404 when it has none
 *   (https://docs.github.com/rest/teams/teams#check-team-permissions-for-a-repository);
 * - user: `GET repos/{owner}/{repo}/collaborators/{username}/permission` answers `permission`
 *   admin, write, read or none (https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user).
 */
export function teamCanRead(status: number): boolean {
    return status === 200 || status === 204;
}

export function userCanRead(permission: unknown): boolean {
    return typeof permission === "string" && ["admin", "maintain", "write", "triage", "read"].includes(permission);
}

/**
 * Reads `visibility` (or the older `private` flag) from `GET repos/{owner}/{repo}`
 * (https://docs.github.com/rest/repos/repos#get-a-repository).
 */
export function repositoryVisibility(body: { readonly visibility?: unknown; readonly private?: unknown }): RepositoryVisibility | undefined {
    if (body.visibility === "public" || body.visibility === "private" || body.visibility === "internal") return body.visibility;
    if (typeof body.private === "boolean") return body.private ? "private" : "public";
    return undefined;
}

/**
 * A status GitHub answered, read from the error the provider raised. The provider's
 * github_rest_api data source returns a result only for 404 and raises every other error
 * status (data_source_github_rest_api.go: `if err != nil && resp.StatusCode != 404 { return err }`),
 * with go-github's message `GET <url>: <status> <message> [<errors>]` (ErrorResponse.Error);
 * getTeam and getUser raise theirs the same way.
 */
export interface GithubRefusal {
    readonly status?: number;
    /** GitHub's message (e.g. "Resource not accessible by integration"), first line, bounded. */
    readonly message: string;
}

export function readGithubRefusal(error: unknown): GithubRefusal {
    const text = (error instanceof Error ? error.message : String(error))
        .replace(/\s+/g, " ")
        .trim()
        // The engine's wrapping of a provider error: "invocation of T returned an error: invoking T: 1 error occurred: * ...".
        .replace(/^invocation of \S+ returned an error: (?:invoking \S+: )?(?:\d+ errors? occurred: )?(?:\* )?/, "");
    const match = /\bhttps?:\/\/\S+: (\d{3}) (.*?)(?: \[.*\])?$/.exec(text) ?? /\b(\d{3}) ([A-Z][^[]*)/.exec(text);
    if (match) return { status: Number(match[1]), message: match[2].trim().slice(0, 200) };
    return { message: text.slice(0, 200) };
}

/**
 * Why GitHub refused and what to do, for a question keyless asked with the provider's token.
 * `permission` is what the question needs (GitHub Docs, "Permissions required for fine-grained
 * personal access tokens" / GitHub Apps; a 403 answer names it in X-Accepted-GitHub-Permissions).
 */
export function explainRefusal(refusal: GithubRefusal, question: string, permission: string): string {
    const said = refusal.status !== undefined ? `GitHub answered HTTP ${refusal.status} (${refusal.message})` : `the GitHub provider failed (${refusal.message})`;
    const text = refusal.message.toLowerCase();
    if (text.includes("rate limit")) return `${said} to ${question}: the API rate limit is exhausted; wait for it to reset and run again`;
    if (text.includes("saml") || text.includes("single sign-on")) {
        return `${said} to ${question}: the token is not authorized for the organisation's SAML single sign-on; authorize it (or the GitHub App installation) for the organisation`;
    }
    if (refusal.status === 401) return `${said} to ${question}: the GitHub provider's token is missing, expired or revoked`;
    if (refusal.status === 403 || refusal.status === 404) {
        return `${said} to ${question}: the GitHub provider's token lacks ${permission}; grant it (GitHub App or fine-grained token) and run again`;
    }
    return `${said} to ${question}`;
}

/** Token permissions each question needs (fine-grained tokens and GitHub Apps). */
export const NEEDED_PERMISSIONS = {
    repository: (fullName: string) => `Metadata: read on ${fullName}`,
    oidcCustomization: (fullName: string) => `Actions: read on ${fullName}`,
    organisationPlan: (org: string) => `the Organization plan permission on ${org} (GitHub App), or an owner's token with admin:org`,
    team: (org: string) => `Members: read on ${org}`,
    teamAccess: (org: string, fullName: string) => `Members: read on ${org} and Metadata: read on ${fullName}`,
    userAccess: (fullName: string) => `Metadata: read on ${fullName}`,
    /** REST "Get an environment" and "List deployment branch policies": fine-grained "Actions" (read). */
    environment: (fullName: string) => `Actions: read on ${fullName}`,
    /** REST "List branches": "Metadata" (read) in "Permissions required for GitHub Apps". */
    branches: (fullName: string) => `Metadata: read on ${fullName}`,
} as const;

// ---------------------------------------------------------------------------------------------
// Live environment protection: what GitHub holds, read back, compared with the config, and the
// request that puts it back. terraform-provider-github v6.13.0 cannot be relied on for this: its
// Read (resourceGithubRepositoryEnvironmentRead in github/resource_github_repository_environment.go)
// sets `reviewers` and `prevent_self_review` only inside `case "required_reviewers"`, so once
// every reviewer is removed (GitHub then drops the rule) the state keeps the old reviewers and no
// diff appears (integrations/terraform-provider-github#2761); and a deployment branch policy
// added by hand belongs to no resource, so nothing reads it.

/** Which refs may deploy: `deployment_branch_policy` null ("all"), protected branches, or patterns. */
export type BranchPolicyKind = "all" | "protected" | "custom";

/** An environment's protection, as keyless wants it or as GitHub reports it. */
export interface EnvironmentProtectionState {
    readonly teams: readonly number[];
    readonly users: readonly number[];
    /** Effective only with reviewers: GitHub keeps it inside the required_reviewers rule. */
    readonly preventSelfReview: boolean;
    readonly canAdminsBypass: boolean;
    readonly waitTimer: number;
    readonly branchPolicy: BranchPolicyKind;
}

/** What keyless wants: the protection plus the branch and tag patterns (for "custom"). */
export interface WantedEnvironmentProtection extends EnvironmentProtectionState {
    readonly branches: readonly string[];
    readonly tags: readonly string[];
}

/** One deployment branch or tag policy as `GET .../deployment-branch-policies` lists it. */
export interface LiveBranchPolicy {
    readonly id: number;
    readonly name: string;
    readonly type: "branch" | "tag";
}

/** GitHub's environment, with reviewer names as GitHub reports them (by ID, for messages). */
export interface LiveEnvironment extends EnvironmentProtectionState {
    readonly reviewerNames: Readonly<Record<string, string>>;
}

/**
 * What the program read of one environment: `missing` when GitHub answered 404 (not created yet:
 * the first deploy, never drift); `policies` undefined when the live policy is not "custom" (the
 * list endpoint serves only environments with custom_branch_policies, REST "Deployment branch
 * policies": "The deployment_branch_policy.custom_branch_policies property for the environment
 * must be set to true to use these endpoints").
 */
export type LiveProtection =
    | { readonly kind: "missing" }
    | { readonly kind: "present"; readonly environment: LiveEnvironment; readonly policies?: readonly LiveBranchPolicy[] };

/**
 * REST "List deployment branch policies" (`GET repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies`):
 * `per_page` "The number of results per page (max 100)", default 30; the answer carries
 * `total_count`, so the number of pages is known from the first one.
 */
export const BRANCH_POLICIES_PER_PAGE = 100;

/** The endpoints keyless reads for the live protection (promised to the permission table). */
export const LIVE_PROTECTION_ENDPOINTS = {
    environment: (fullName: string, environment: string) => `repos/${fullName}/environments/${encodeURIComponent(environment)}`,
    branchPolicies: (fullName: string, environment: string, page: number) =>
        `repos/${fullName}/environments/${encodeURIComponent(environment)}/deployment-branch-policies?per_page=${BRANCH_POLICIES_PER_PAGE}&page=${page}`,
    /**
     * REST "List branches": `protected` "Setting to `true` returns only branches protected by
     * branch protections or rulesets" (so rulesets count); one branch is enough to know.
     */
    protectedBranches: (fullName: string) => `repos/${fullName}/branches?protected=true&per_page=1`,
    /** REST "Get rate limit status for the authenticated user": "Accessing this endpoint does not count against your REST API rate limit." */
    rateLimit: () => "rate_limit",
} as const;

/**
 * Reads REST "Get an environment" (https://docs.github.com/rest/deployments/environments#get-an-environment):
 * `can_admins_bypass`, `protection_rules` (`wait_timer` with `wait_timer`; `required_reviewers`
 * with `prevent_self_review` and `reviewers[].type` "User" | "Team" and `reviewer.id`), and
 * `deployment_branch_policy` (null: every branch may deploy). Undefined when the body is not one.
 */
export function readLiveEnvironment(body: string): LiveEnvironment | undefined {
    let parsed: {
        can_admins_bypass?: unknown;
        protection_rules?: { type?: unknown; wait_timer?: unknown; prevent_self_review?: unknown; reviewers?: { type?: unknown; reviewer?: { id?: unknown; login?: unknown; slug?: unknown } }[] }[];
        deployment_branch_policy?: { protected_branches?: unknown; custom_branch_policies?: unknown } | null;
    };
    try {
        parsed = JSON.parse(body) as typeof parsed;
    } catch {
        return undefined;
    }
    if (typeof parsed !== "object" || parsed === null || typeof parsed.can_admins_bypass !== "boolean") return undefined;
    const teams: number[] = [];
    const users: number[] = [];
    const reviewerNames: Record<string, string> = {};
    let waitTimer = 0;
    let preventSelfReview = false;
    for (const rule of Array.isArray(parsed.protection_rules) ? parsed.protection_rules : []) {
        if (rule.type === "wait_timer" && typeof rule.wait_timer === "number") waitTimer = rule.wait_timer;
        if (rule.type !== "required_reviewers") continue;
        preventSelfReview = rule.prevent_self_review === true;
        for (const entry of rule.reviewers ?? []) {
            const id = entry.reviewer?.id;
            if (typeof id !== "number") continue;
            if (entry.type === "Team") teams.push(id);
            if (entry.type === "User") users.push(id);
            const name = entry.reviewer?.slug ?? entry.reviewer?.login;
            if (typeof name === "string") reviewerNames[`${String(entry.type)}:${id}`] = name;
        }
    }
    const policy = parsed.deployment_branch_policy;
    const branchPolicy: BranchPolicyKind = !policy ? "all" : policy.custom_branch_policies === true ? "custom" : policy.protected_branches === true ? "protected" : "all";
    return { teams, users, preventSelfReview: teams.length + users.length > 0 && preventSelfReview, canAdminsBypass: parsed.can_admins_bypass, waitTimer, branchPolicy, reviewerNames };
}

/** Reads one page of REST "List deployment branch policies": `total_count` and `branch_policies[]`. */
export function readBranchPolicyPage(body: string): { readonly totalCount: number; readonly policies: readonly LiveBranchPolicy[] } | undefined {
    try {
        const parsed = JSON.parse(body) as { total_count?: unknown; branch_policies?: { id?: unknown; name?: unknown; type?: unknown }[] };
        if (typeof parsed.total_count !== "number" || !Array.isArray(parsed.branch_policies)) return undefined;
        const policies = parsed.branch_policies.flatMap((policy): LiveBranchPolicy[] =>
            typeof policy.id === "number" && typeof policy.name === "string" ? [{ id: policy.id, name: policy.name, type: policy.type === "tag" ? "tag" : "branch" }] : [],
        );
        return { totalCount: parsed.total_count, policies };
    } catch {
        return undefined;
    }
}

/** How many pages of BRANCH_POLICIES_PER_PAGE hold `totalCount` policies (at least one was read). */
export function branchPolicyPages(totalCount: number): number {
    return Math.max(1, Math.ceil(totalCount / BRANCH_POLICIES_PER_PAGE));
}

const BRANCH_POLICY_WORDS: Record<BranchPolicyKind, string> = {
    all: "every branch and tag may deploy (no deployment branch policy)",
    protected: "protected branches only",
    custom: "only the named branch and tag patterns",
};

/** One difference between GitHub's live protection and the config, in words, plus what to delete. */
export interface ProtectionDifferences {
    readonly changes: readonly string[];
    /** Deployment branch or tag policies on GitHub that the config does not name. */
    readonly extraPolicies: readonly LiveBranchPolicy[];
}

/**
 * Every difference between what GitHub holds and what keyless wants, each in words a reviewer
 * understands ("GitHub has ..., the config ..."). `names` maps "Team:<id>" / "User:<id>" to the
 * slug or login for the wanted reviewers (the live ones come with GitHub's answer).
 */
export function protectionDifferences(wanted: WantedEnvironmentProtection, live: LiveProtection, names: Readonly<Record<string, string>> = {}): ProtectionDifferences {
    if (live.kind === "missing") return { changes: [], extraPolicies: [] };
    const actual = live.environment;
    const allNames = { ...names, ...actual.reviewerNames };
    const who = (kind: "Team" | "User", ids: readonly number[]) => ids.map((id) => `${kind === "Team" ? "team" : "user"} ${allNames[`${kind}:${id}`] ?? id}`);
    const listed = (teams: readonly number[], users: readonly number[]) => [...who("Team", teams), ...who("User", users)].join(", ") || "none";
    const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && [...a].sort().every((id, index) => id === [...b].sort()[index]);
    const changes: string[] = [];
    const wantedReviewers = wanted.teams.length + wanted.users.length;
    if (!sameSet(actual.teams, wanted.teams) || !sameSet(actual.users, wanted.users)) {
        changes.push(
            actual.teams.length + actual.users.length === 0
                ? `required reviewers removed: GitHub has none, the config names ${listed(wanted.teams, wanted.users)}`
                : `required reviewers: GitHub has ${listed(actual.teams, actual.users)}, the config names ${listed(wanted.teams, wanted.users)}`,
        );
    }
    const wantedSelfReview = wantedReviewers > 0 && wanted.preventSelfReview;
    if (wantedReviewers > 0 && actual.teams.length + actual.users.length > 0 && actual.preventSelfReview !== wantedSelfReview) {
        changes.push(`prevent self-review: ${actual.preventSelfReview ? "on" : "off"} on GitHub, ${wantedSelfReview ? "on" : "off"} in the config`);
    }
    if (actual.canAdminsBypass !== wanted.canAdminsBypass) {
        changes.push(
            `admin bypass: ${actual.canAdminsBypass ? "on" : "off"} on GitHub, ${wanted.canAdminsBypass ? "on" : "off"} in the config` +
                (actual.canAdminsBypass ? " (administrators can deploy without any of these rules)" : ""),
        );
    }
    if (actual.waitTimer !== wanted.waitTimer) changes.push(`wait timer: ${actual.waitTimer} minutes on GitHub, ${wanted.waitTimer} in the config`);
    if (actual.branchPolicy !== wanted.branchPolicy) {
        changes.push(`deployment branches: ${BRANCH_POLICY_WORDS[actual.branchPolicy]} on GitHub, ${BRANCH_POLICY_WORDS[wanted.branchPolicy]} in the config`);
    }
    const extraPolicies: LiveBranchPolicy[] = [];
    if (wanted.branchPolicy === "custom" && live.policies !== undefined) {
        const wantedPatterns = new Set([...wanted.branches.map((name) => `branch:${name}`), ...wanted.tags.map((name) => `tag:${name}`)]);
        const livePatterns = new Set(live.policies.map((policy) => `${policy.type}:${policy.name}`));
        for (const policy of live.policies) {
            if (wantedPatterns.has(`${policy.type}:${policy.name}`)) continue;
            extraPolicies.push(policy);
            changes.push(`${policy.type} pattern ${JSON.stringify(policy.name)} on GitHub is not in the config: every ${policy.type} it matches may deploy`);
        }
        for (const pattern of wantedPatterns) {
            if (livePatterns.has(pattern)) continue;
            const [type, name] = [pattern.slice(0, pattern.indexOf(":")), pattern.slice(pattern.indexOf(":") + 1)];
            changes.push(`${type} pattern ${JSON.stringify(name)} of the config is missing on GitHub`);
        }
    }
    return { changes, extraPolicies };
}

/**
 * The body of `PUT repos/{owner}/{repo}/environments/{environment_name}` exactly as the GitHub
 * provider sends it for this protection. createUpdateEnvironmentData (resource_github_repository_environment.go)
 * sets wait_timer and reviewers only when non-zero (d.GetOk), can_admins_bypass and
 * prevent_self_review always, deployment_branch_policy when set; go-github v88's
 * CreateUpdateEnvironment then marshals a missing wait_timer as 0 ("the only way to clear a
 * WaitTimer is to set it to 0") and keeps `reviewers` and `deployment_branch_policy` without
 * omitempty ("the API expects null values for reviewers and deployment_branch_policy to clear
 * them"). So every PUT replaces the whole protection: no reviewers clears the rule, no timer clears it.
 */
export function environmentUpdateBody(protection: EnvironmentProtectionState): Record<string, unknown> {
    const reviewers = [...protection.teams.map((id) => ({ type: "Team", id })), ...protection.users.map((id) => ({ type: "User", id }))];
    return {
        wait_timer: protection.waitTimer,
        reviewers: reviewers.length > 0 ? reviewers : null,
        can_admins_bypass: protection.canAdminsBypass,
        deployment_branch_policy:
            protection.branchPolicy === "all" ? null : { protected_branches: protection.branchPolicy === "protected", custom_branch_policies: protection.branchPolicy === "custom" },
        prevent_self_review: protection.preventSelfReview,
    };
}

/** `resources.core` of REST "Get rate limit status for the authenticated user". */
export interface CoreRateLimit {
    readonly limit: number;
    readonly remaining: number;
    /** When the budget resets, in UTC epoch seconds. */
    readonly reset: number;
}

export function readCoreRateLimit(body: string): CoreRateLimit | undefined {
    try {
        const core = (JSON.parse(body) as { resources?: { core?: { limit?: unknown; remaining?: unknown; reset?: unknown } } }).resources?.core;
        if (typeof core?.limit === "number" && typeof core.remaining === "number" && typeof core.reset === "number") {
            return { limit: core.limit, remaining: core.remaining, reset: core.reset };
        }
    } catch {
        // Not a rate-limit answer.
    }
    return undefined;
}

/**
 * The REST calls one run makes, per thing it manages. The provider's calls, from
 * terraform-provider-github v6.13.0: a resource is read once on refresh (one GET each, for every
 * resource type keyless creates), and, when created or updated, costs its write plus the reads
 * around it (RepositoryEnvironment and each deployment policy: PUT/POST and `GET repos/{owner}/{repo}`;
 * an environment secret: `GET .../secrets/public-key`, PUT and a read back): at most three more.
 * keyless's own questions: per repository `GET repos/...`, its OIDC subject and its protected
 * branches; per environment its protection and a page of deployment policies per 100; per reviewer
 * its ID (getUser also lists the user's GPG and SSH keys: three calls) and its access to each
 * repository; the owner's plan (two).
 */
export const GITHUB_CALLS = {
    refreshPerResource: 1,
    writesPerResource: 3,
    perRepository: 3,
    perEnvironment: 2,
    perTeam: 1,
    perUser: 3,
    perReviewerAccess: 1,
    plan: 2,
} as const;

/** The protection keyless asks for, from the environment's plain settings (one rule for both the resource and the drift check). */
export function wantedProtection(settings: {
    readonly teams: readonly number[];
    readonly users: readonly number[];
    readonly preventSelfReview: boolean;
    readonly waitTimer: number;
    readonly refs: { readonly protectedBranches: true } | { readonly branches: readonly string[]; readonly tags: readonly string[] };
}): WantedEnvironmentProtection {
    const hasReviewers = settings.teams.length + settings.users.length > 0;
    const custom = !("protectedBranches" in settings.refs);
    return {
        teams: [...settings.teams],
        users: [...settings.users],
        // GitHub answers 422 to prevent_self_review without reviewers (GITHUB_MESSAGES).
        preventSelfReview: hasReviewers && settings.preventSelfReview,
        // The provider defaults can_admins_bypass to true, which lets admins skip every rule.
        canAdminsBypass: false,
        waitTimer: settings.waitTimer,
        branchPolicy: custom ? "custom" : "protected",
        branches: "branches" in settings.refs ? [...settings.refs.branches] : [],
        tags: "tags" in settings.refs ? [...settings.refs.tags] : [],
    };
}
