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
} as const;
