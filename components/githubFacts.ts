// What keyless asks GitHub before creating anything: how each repository is spelled and which
// numeric IDs it has (for immutable subjects), which subject form its tokens carry, the numeric
// IDs of the reviewers named by team slug and login, and, for protected environments, the
// repository's visibility, the owner's plan and whether each reviewer can read the repository.
// The questions go through the GitHub provider's data sources (see pulumiGithubLookups); the
// answers are plain data and GitHub's rules live in realServices/github.ts, so the decisions
// below are tested without Pulumi.

import { Deployment, KeylessConfig } from "./config";
import { show } from "./configReader";
import {
    branchPolicyPages,
    environmentRejection,
    explainRefusal,
    GITHUB_CALLS,
    LIVE_PROTECTION_ENDPOINTS,
    LiveBranchPolicy,
    LiveProtection,
    protectionDifferences,
    readBranchPolicyPage,
    readCoreRateLimit,
    readLiveEnvironment,
    wantedProtection,
    GithubRefusal,
    NEEDED_PERMISSIONS,
    PlanProtection,
    planProtection,
    planTitle,
    readGithubRefusal,
    repositoryVisibility,
    RepositoryVisibility,
    teamCanRead,
    userCanRead,
} from "./realServices/github";
import { decideSubjectFormat } from "./subjectFormat";
import { exactSubjects, RepositoryIdentity, SubjectFormat } from "./subjects";

/** An answer of `GET <endpoint>` as the provider's github_rest_api returns it. */
export interface RestAnswer {
    readonly status: number;
    readonly body: string;
    /**
     * Set when the answer is an offline stand-in (`npm run plan`, tests without a GitHub world),
     * not GitHub's: keyless then treats the fact as unknown and says it would be asked at `pulumi up`.
     */
    readonly standIn?: boolean;
}

/** The GitHub questions keyless asks. */
export interface GithubLookups {
    /**
     * GET on the REST API (e.g. `repos/acme/api`). A 404 comes back as an answer; every other
     * error status (403, 401, rate limits) is raised, as the provider's github_rest_api does.
     */
    rest(endpoint: string): Promise<RestAnswer>;
    /** Numeric ID of a team of the provider's organisation, by slug. */
    teamId(slug: string): Promise<number>;
    /** Numeric ID of a user, by login. */
    userId(login: string): Promise<number>;
}

export interface ResolvedDeployment {
    readonly deployment: Deployment;
    /** Repository identity as GitHub spells it, with IDs when the subject needs them. */
    readonly identity: RepositoryIdentity;
    readonly subjectFormat: SubjectFormat;
    /** The exact `sub` values the role trusts. */
    readonly subjects: readonly string[];
    /** Reviewer IDs for the GitHub environment (empty for other contexts). */
    readonly reviewerTeamIds: readonly number[];
    readonly reviewerUserIds: readonly number[];
    /**
     * What GitHub holds now for the entry's environment (undefined: not an environment, or not
     * known: an offline stand-in or a refused question). DeploymentEnvironment restores it.
     */
    readonly liveProtection?: LiveProtection;
}

export interface GithubFacts {
    readonly deployments: readonly ResolvedDeployment[];
    /** Things a person should know but that do not stop the update. */
    readonly warnings: readonly string[];
    /** Things that stop the update before anything is created. */
    readonly problems: readonly string[];
}

interface RepositoryAnswer {
    readonly fullName: string;
    readonly ownerId: number;
    readonly repositoryId: number;
    readonly visibility: RepositoryVisibility | "unknown";
    readonly standIn: boolean;
}

interface PlanAnswer {
    readonly protection: PlanProtection;
    /** How to name the plan in messages ("GitHub's Team plan"). */
    readonly described: string;
    /** Why the plan is unknown, when it is. */
    readonly unknownBecause?: string;
    readonly standIn: boolean;
}

/** Asks GitHub what the config leaves open and builds each role's exact subjects. */
export async function resolveGithubFacts(config: KeylessConfig, lookups: GithubLookups): Promise<GithubFacts> {
    // Answers arrive in any order; messages are reported in the order of the config's entries.
    const byEntry = { warnings: new Map<number, string[]>(), problems: new Map<number, string[]>() };
    const note = (kind: keyof typeof byEntry, index: number) => (message: string) => {
        byEntry[kind].set(index, [...(byEntry[kind].get(index) ?? []), message]);
    };
    // Questions answered by offline stand-ins, named once at the end.
    const standIns = new StandIns();
    // One question per repository, team and user, however many entries share it.
    const memo = new Map<string, Promise<unknown>>();
    const once = <T>(question: string, ask: () => Promise<T>): Promise<T> => {
        if (!memo.has(question)) memo.set(question, ask());
        return memo.get(question) as Promise<T>;
    };
    const owner = config.owner;
    const repositoryOf = (fullName: string) => once(`repo ${fullName.toLowerCase()}`, () => askRepository(fullName, lookups));

    // First, whether GitHub's budget covers the run: the provider sleeps until the reset instead of failing.
    const budget = await checkRateLimit(config, lookups);
    if (budget.problem) return { deployments: [], warnings: [], problems: [budget.problem] };
    const earlyWarnings = budget.warning ? [budget.warning] : [];
    // The live protection is compared once per environment, however many entries share it.
    const comparedEnvironments = new Set<string>();

    const resolved = await Promise.all(
        config.deployments.map(async (deployment, index): Promise<ResolvedDeployment | undefined> => {
            const warnings = { push: note("warnings", index) };
            const problems = { push: note("problems", index) };
            const fullName = `${owner}/${deployment.repository}`;
            const pinned = deployment.ownerId !== undefined && deployment.repositoryId !== undefined;

            let identity: RepositoryIdentity = {
                owner,
                repository: deployment.repository,
                ownerId: deployment.ownerId,
                repositoryId: deployment.repositoryId,
            };
            if (!pinned) {
                // Pinned IDs are authoritative and need no lookup for the subject (a protected
                // environment still asks for the visibility, below); otherwise GitHub supplies the
                // IDs and the exact spelling (the claim is case-sensitive).
                const answer = await repositoryOf(fullName);
                if (typeof answer === "string") {
                    problems.push(`${deployment.key}.name: ${answer}`);
                    return undefined;
                }
                const [answerOwner, repository] = answer.fullName.split("/");
                if (answer.fullName !== fullName && !answer.standIn) {
                    warnings.push(
                        `${deployment.key}: GitHub spells the repository ${answer.fullName}, the config ${fullName}; ` +
                            `keyless uses GitHub's spelling because the sub claim is case-sensitive`,
                    );
                }
                identity = { owner: answerOwner, repository, ownerId: answer.ownerId, repositoryId: answer.repositoryId };
            }
            const spelled = `${identity.owner}/${identity.repository}`;

            let subjectFormat: SubjectFormat;
            if (deployment.subjectFormat === "auto") {
                const question = `repos/${spelled}/actions/oidc/customization/sub`;
                const customization = await once(`oidc ${fullName.toLowerCase()}`, () => askRest(question, lookups));
                if ("refusal" in customization) {
                    // The documented fallback: without GitHub's answer, trust both exact forms.
                    warnings.push(
                        `${deployment.key}: ${explainRefusal(customization.refusal, `GET ${question}`, NEEDED_PERMISSIONS.oidcCustomization(spelled))}. ` +
                            `Until it can, the role of ${spelled} trusts both exact subject forms (legacy and immutable); ` +
                            `or set subjectFormat to "immutable" or "legacy" for this repository to trust only one.`,
                    );
                    subjectFormat = "both";
                } else if (customization.standIn) {
                    standIns.add("which OIDC subject form each of these uses (trusting both exact forms meanwhile):", spelled);
                    subjectFormat = "both";
                } else {
                    const decision = decideSubjectFormat(spelled, customization.status, customization.body);
                    if (decision.problem) {
                        problems.push(`${deployment.key}: ${decision.problem}`);
                        return undefined;
                    }
                    if (decision.warning) warnings.push(`${deployment.key}: ${decision.warning}`);
                    if (
                        pinned &&
                        decision.repositoryId !== undefined &&
                        (decision.repositoryId !== identity.repositoryId || decision.ownerId !== identity.ownerId)
                    ) {
                        problems.push(
                            `${deployment.key}: GitHub's subject for ${fullName} is repo:${decision.owner}@${decision.ownerId}/` +
                                `${decision.repository}@${decision.repositoryId}, but the config pins ownerId ${identity.ownerId} and ` +
                                `repositoryId ${identity.repositoryId}. The name may now belong to another repository ` +
                                `(deleted and recreated, or transferred): check it before updating the pins.`,
                        );
                        return undefined;
                    }
                    subjectFormat = decision.format;
                }
            } else {
                subjectFormat = deployment.subjectFormat;
            }

            const github = deployment.github;
            const protection = github.kind === "environment" ? github.protection : undefined;
            const reviewerTeamIds: number[] = [];
            const reviewerUserIds: number[] = [];
            // Reviewers GitHub knows; only their access is worth asking about.
            const knownTeams: string[] = [];
            const knownUsers: string[] = [];
            for (const slug of protection?.reviewerTeams ?? []) {
                const id = await once(`team ${slug}`, () => askId(() => lookups.teamId(slug), `read team ${slug} of ${owner}`, NEEDED_PERMISSIONS.team(owner)));
                if (typeof id === "string") {
                    problems.push(`${deployment.key}: reviewer team ${show(slug)} of ${owner}: ${id}`);
                } else {
                    reviewerTeamIds.push(id);
                    knownTeams.push(slug);
                }
            }
            for (const login of protection?.reviewerUsers ?? []) {
                const id = await once(`user ${login.toLowerCase()}`, () => askId(() => lookups.userId(login), `read user ${login}`, "a token that can read users"));
                if (typeof id === "string") {
                    problems.push(`${deployment.key}: reviewer ${show(login)}: ${id}`);
                } else {
                    reviewerUserIds.push(id);
                    knownUsers.push(login);
                }
            }

            if (github.kind === "environment" && protection) {
                const where = `environment ${show(github.environment)} of ${spelled}`;
                const teams = protection.reviewerTeams;
                const users = protection.reviewerUsers;
                if (teams.length === 0 && users.length === 1 && protection.preventSelfReview) {
                    warnings.push(
                        `${deployment.key}: ${where} has one reviewer, ${show(users[0])}, and prevents self-review, so nobody can ` +
                            `approve a deployment ${show(users[0])} starts; add a second reviewer (or a team), or set preventSelfReview: false`,
                    );
                }
                // GitHub gates reviewers and wait timers by plan and visibility; ask only when they are set.
                if (teams.length + users.length > 0 || protection.waitTimer > 0) {
                    const repository = await repositoryOf(spelled);
                    if (typeof repository === "string") {
                        problems.push(`${deployment.key}: ${repository}`);
                        return undefined;
                    }
                    const plan = await once("plan", () => askPlan(owner, lookups));
                    const gate = protectionGate(deployment.key, where, spelled, owner, protection, repository, plan, standIns);
                    if (gate.problem) problems.push(gate.problem);
                    if (gate.warning) warnings.push(gate.warning);

                    const access = await Promise.all([
                        ...knownTeams.map((slug) =>
                            once(`team-access ${slug} ${spelled.toLowerCase()}`, () => askTeamAccess(owner, slug, spelled, lookups)).then((verdict) => ({ who: `reviewer team ${show(slug)}`, verdict })),
                        ),
                        ...knownUsers.map((login) =>
                            once(`user-access ${login.toLowerCase()} ${spelled.toLowerCase()}`, () => askUserAccess(login, spelled, lookups)).then((verdict) => ({ who: `reviewer ${show(login)}`, verdict })),
                        ),
                    ]);
                    for (const { who, verdict } of access) {
                        if (verdict === "can read") continue;
                        if (verdict === "stand-in") {
                            standIns.add("whether each reviewer can read", spelled);
                            continue;
                        }
                        problems.push(`${deployment.key}: ${who}${verdict.startsWith(":") ? "" : " "}${verdict}`);
                    }
                    if (gate.problem) return undefined;
                }
            }

            let liveProtection: LiveProtection | undefined;
            if (github.kind === "environment") {
                const where = `environment ${show(github.environment)} of ${spelled}`;
                const refs = github.protection.branchPolicy;
                if (refs.kind === "protectedBranches") {
                    const verdict = await once(`protected-branches ${spelled.toLowerCase()}`, () => askProtectedBranches(spelled, lookups));
                    if (verdict === "stand-in") standIns.add("whether any branch is protected in", spelled);
                    else if (verdict === "none") {
                        problems.push(
                            `${deployment.key}: protectedBranchesOnly is true for ${where}, but no branch of ${spelled} is protected ` +
                                `(GitHub lists none for GET ${LIVE_PROTECTION_ENDPOINTS.protectedBranches(spelled)}), and GitHub then lets every ` +
                                `branch deploy ("If no branch protection rules are defined for any branch in the repository, then all branches can ` +
                                `deploy", GitHub Docs, "Deployment branches and tags"). Protect the branches that deploy (a branch protection rule ` +
                                `or a ruleset on main), or set protectedBranchesOnly: false and name them in deploymentBranches.`,
                        );
                        return undefined;
                    } else if (verdict !== "some") warnings.push(`${deployment.key}: could not check that ${spelled} protects a branch: ${verdict}`);
                }
                const asked = await once(`environment ${spelled.toLowerCase()} ${github.environment}`, () =>
                    askLiveProtection(spelled, github.environment, refs.kind !== "protectedBranches", lookups),
                );
                if (asked === "stand-in") standIns.add("the live protection of", `${where}`);
                else if (typeof asked === "string") {
                    warnings.push(`${deployment.key}: could not read the live protection of ${where}, so changes made on GitHub by hand go unseen: ${asked}`);
                } else {
                    liveProtection = asked;
                    const compared = `${spelled.toLowerCase()} ${github.environment}`;
                    if (!comparedEnvironments.has(compared)) {
                        comparedEnvironments.add(compared);
                        const wanted = wantedProtection({
                            teams: reviewerTeamIds,
                            users: reviewerUserIds,
                            preventSelfReview: github.protection.preventSelfReview,
                            waitTimer: github.protection.waitTimer,
                            refs: refs.kind === "protectedBranches" ? { protectedBranches: true } : { branches: refs.branches, tags: refs.tags },
                        });
                        const names = Object.fromEntries([
                            ...knownTeams.map((slug, index) => [`Team:${reviewerTeamIds[index]}`, slug]),
                            ...knownUsers.map((login, index) => [`User:${reviewerUserIds[index]}`, login]),
                        ]);
                        for (const change of protectionDifferences(wanted, asked, names).changes) {
                            warnings.push(`${deployment.key}: ${where} differs on GitHub from this config: ${change}; \`pulumi up\` sets it back to the config`);
                        }
                    }
                }
            }

            return {
                deployment,
                identity,
                subjectFormat,
                subjects: exactSubjects(identity, subjectFormat, deployment.context),
                reviewerTeamIds,
                reviewerUserIds,
                liveProtection,
            };
        }),
    );

    // Last: the stand-ins the entries met read first.
    if (budget.standIn) standIns.add("the API budget left to", owner);
    const inOrder = (messages: Map<number, string[]>) => [...messages].sort(([a], [b]) => a - b).flatMap(([, texts]) => texts);
    const allWarnings = [...earlyWarnings, ...inOrder(byEntry.warnings)];
    const standInText = standIns.text();
    if (standInText) {
        allWarnings.push(
            `offline stand-ins, not GitHub's answers: ${standInText}. These would be asked of GitHub at \`pulumi up\`, ` +
                `which refuses a protected environment that GitHub's plan or the repository's visibility does not allow.`,
        );
    }
    return {
        deployments: resolved.filter((entry): entry is ResolvedDeployment => entry !== undefined),
        warnings: allWarnings,
        problems: inOrder(byEntry.problems),
    };
}

/** Facts answered by offline stand-ins, by kind, in the order first met. */
class StandIns {
    private readonly kinds = new Map<string, Set<string>>();

    add(kind: string, subject: string): void {
        const subjects = this.kinds.get(kind) ?? new Set<string>();
        subjects.add(subject);
        this.kinds.set(kind, subjects);
    }

    text(): string {
        return [...this.kinds].map(([kind, subjects]) => `${kind} ${[...subjects].sort().join(", ")}`).join("; ");
    }
}

/**
 * Whether GitHub will accept the environment's reviewers and wait timer on this repository
 * (realServices/github.ts: environmentRejection). Refused: a private or internal repository on a
 * plan known not to allow them (GitHub would answer 422 and leave the environment unprotected).
 * Unknown plan on a private repository: a warning, deliberately. The environment is created before
 * its role and every secret (RepositoryDeployment), so if GitHub refuses at `pulumi up`, the update
 * stops there and no role trusts the unprotected environment; refusing instead would lock out every
 * Enterprise organisation whose token is not an owner's.
 */
function protectionGate(
    key: string,
    where: string,
    fullName: string,
    owner: string,
    protection: { readonly reviewerTeams: readonly string[]; readonly reviewerUsers: readonly string[]; readonly waitTimer: number; readonly preventSelfReview: boolean },
    repository: RepositoryAnswer,
    plan: PlanAnswer,
    standIns: StandIns,
): { problem?: string; warning?: string } {
    const reviewers = protection.reviewerTeams.length + protection.reviewerUsers.length;
    const request = { reviewers, waitTimer: protection.waitTimer, preventSelfReview: reviewers > 0 && protection.preventSelfReview };
    if (repository.standIn || plan.standIn) {
        if (repository.standIn) standIns.add("the visibility of", fullName);
        if (plan.standIn) standIns.add("the GitHub plan of", owner);
        return {};
    }
    const wanted = [reviewers > 0 ? "required reviewers" : "", protection.waitTimer > 0 ? `a wait timer of ${protection.waitTimer} minutes` : ""]
        .filter(Boolean)
        .join(" and ");
    const rejectedIfLimited = (visibility: RepositoryVisibility) => environmentRejection(request, { visibility, plan: "limited" });
    const waysOut =
        `Ways out: GitHub Enterprise (Cloud) for ${owner}; make ${fullName} public; or explicitly no reviewers and no wait timer for ` +
        `this environment (requireReviewers: false, reviewers: {teams: [], users: []} and waitTimer: 0 on this entry).`;
    if (repository.visibility === "public") return {};
    if (repository.visibility === "unknown") {
        return {
            warning:
                `${key}: GitHub did not say whether ${fullName} is public; if it is private or internal and ${owner} is not on GitHub ` +
                `Enterprise, GitHub refuses the ${wanted} of ${where} at \`pulumi up\`.`,
        };
    }
    const message = rejectedIfLimited(repository.visibility);
    if (message === undefined) return {};
    if (plan.protection === "limited") {
        return {
            problem:
                `${key}: ${where} must have ${wanted}, but ${fullName} is ${repository.visibility} and ${owner} is on ${plan.described}, ` +
                `which allows them only on public repositories (GitHub answers 422 "${message}" and leaves the environment unprotected). ` +
                waysOut,
        };
    }
    if (plan.protection === "unknown") {
        return {
            warning:
                `${key}: ${where} must have ${wanted} and ${fullName} is ${repository.visibility}, but keyless could not read the plan of ` +
                `${owner} (${plan.unknownBecause ?? "unknown"}). Only GitHub Enterprise allows them on private and internal repositories: ` +
                `on Free, Pro or Team, \`pulumi up\` stops at this environment with GitHub's 422 "${message}", before its role is created, ` +
                `and GitHub leaves an unprotected environment behind (delete it). To have keyless check this before creating anything, let ` +
                `the token read the plan (${NEEDED_PERMISSIONS.organisationPlan(owner)}). ${waysOut}`,
        };
    }
    return {};
}

type Asked = RestAnswer | { readonly refusal: GithubRefusal };

async function askRest(endpoint: string, lookups: GithubLookups): Promise<Asked> {
    try {
        return await lookups.rest(endpoint);
    } catch (error) {
        return { refusal: readGithubRefusal(error) };
    }
}

async function askRepository(fullName: string, lookups: GithubLookups): Promise<RepositoryAnswer | string> {
    const answer = await askRest(`repos/${fullName}`, lookups);
    if ("refusal" in answer) return explainRefusal(answer.refusal, `GET repos/${fullName}`, NEEDED_PERMISSIONS.repository(fullName));
    if (answer.status !== 200) {
        return (
            `GitHub answered HTTP ${answer.status} for ${fullName}: the repository does not exist, or the GitHub ` +
            `provider's token cannot read it (give the GitHub App access to it, with ${NEEDED_PERMISSIONS.repository(fullName)})`
        );
    }
    try {
        const body = JSON.parse(answer.body) as { id?: unknown; full_name?: unknown; owner?: { id?: unknown }; visibility?: unknown; private?: unknown };
        if (typeof body.full_name === "string" && typeof body.id === "number" && typeof body.owner?.id === "number") {
            return {
                fullName: body.full_name,
                repositoryId: body.id,
                ownerId: body.owner.id,
                visibility: repositoryVisibility(body) ?? "unknown",
                standIn: answer.standIn === true,
            };
        }
    } catch {
        // Reported below.
    }
    return `GitHub's answer for ${fullName} has no full_name, id and owner.id`;
}

/**
 * The owner's plan: `GET orgs/{org}` carries `plan` only for organisation owners (or a GitHub App
 * with the Organization plan permission; https://docs.github.com/rest/orgs/orgs#get-an-organization). A personal account
 * (`GET orgs/{user}` answers 404) is on Free or Pro unless `GET users/{user}` shows its plan.
 */
async function askPlan(owner: string, lookups: GithubLookups): Promise<PlanAnswer> {
    const organisation = await askRest(`orgs/${owner}`, lookups);
    if ("refusal" in organisation) {
        return { protection: "unknown", described: "an unknown plan", unknownBecause: explainRefusal(organisation.refusal, `GET orgs/${owner}`, NEEDED_PERMISSIONS.organisationPlan(owner)), standIn: false };
    }
    if (organisation.standIn) return { protection: "unknown", described: "an unknown plan", standIn: true };
    if (organisation.status === 200) {
        const name = planName(organisation.body);
        if (name === undefined) {
            return {
                protection: "unknown",
                described: "an unknown plan",
                unknownBecause: `GET orgs/${owner} shows no plan to this token; GitHub shows it to organisation owners only`,
                standIn: false,
            };
        }
        const protection = planProtection(name);
        return {
            protection,
            described: planTitle(name),
            unknownBecause: protection === "unknown" ? `GitHub names its plan ${show(name)}, which keyless does not know` : undefined,
            standIn: false,
        };
    }
    const user = await askRest(`users/${owner}`, lookups);
    if ("refusal" in user || user.standIn || user.status !== 200) {
        return { protection: "unknown", described: "an unknown plan", unknownBecause: `GitHub knows no organisation or user ${owner}`, standIn: !("refusal" in user) && user.standIn === true };
    }
    const name = planName(user.body);
    if (name === undefined) {
        // GitHub Docs, "GitHub's plans": a personal account is on GitHub Free or GitHub Pro.
        return { protection: "limited", described: `a personal account's plan (GitHub Free or Pro)`, standIn: false };
    }
    return { protection: planProtection(name), described: planTitle(name), unknownBecause: `GitHub names its plan ${show(name)}, which keyless does not know`, standIn: false };
}

function planName(body: string): string | undefined {
    try {
        const parsed = JSON.parse(body) as { plan?: { name?: unknown } };
        return typeof parsed.plan?.name === "string" ? parsed.plan.name : undefined;
    } catch {
        return undefined;
    }
}

/** "can read", "stand-in", or what is wrong (after the reviewer's name). */
async function askTeamAccess(org: string, slug: string, fullName: string, lookups: GithubLookups): Promise<string> {
    const question = `orgs/${org}/teams/${slug}/repos/${fullName}`;
    const answer = await askRest(question, lookups);
    if ("refusal" in answer) return `: could not check its access, ${explainRefusal(answer.refusal, `GET ${question}`, NEEDED_PERMISSIONS.teamAccess(org, fullName))}`;
    if (answer.standIn) return "stand-in";
    if (teamCanRead(answer.status)) return "can read";
    return (
        `cannot read ${fullName} (GitHub answered HTTP ${answer.status} to GET ${question}), and GitHub lets only reviewers with at ` +
        `least read access approve deployments: give the team read access to ${fullName}, or remove it from this environment's reviewers`
    );
}

async function askUserAccess(login: string, fullName: string, lookups: GithubLookups): Promise<string> {
    const question = `repos/${fullName}/collaborators/${login}/permission`;
    const answer = await askRest(question, lookups);
    if ("refusal" in answer) return `: could not check their access, ${explainRefusal(answer.refusal, `GET ${question}`, NEEDED_PERMISSIONS.userAccess(fullName))}`;
    if (answer.standIn) return "stand-in";
    let permission: unknown;
    try {
        permission = (JSON.parse(answer.body) as { permission?: unknown }).permission;
    } catch {
        permission = undefined;
    }
    if (answer.status === 200 && userCanRead(permission)) return "can read";
    const said = answer.status === 200 ? `GitHub reports permission ${show(permission)}` : `GitHub answered HTTP ${answer.status} to GET ${question}`;
    return (
        `cannot read ${fullName} (${said}), and GitHub lets only reviewers with at least read access approve deployments: ` +
        `give them read access to ${fullName}, or remove them from this environment's reviewers`
    );
}

async function askId(ask: () => Promise<number>, question: string, permission: string): Promise<number | string> {
    try {
        const id = await ask();
        return Number.isSafeInteger(id) && id > 0 ? id : `GitHub returned ${show(id)} as its ID`;
    } catch (error) {
        const refusal = readGithubRefusal(error);
        if (refusal.status === undefined || refusal.status === 404) {
            return `not found, or the GitHub provider's token cannot see it (${refusal.message})`;
        }
        return explainRefusal(refusal, question, permission);
    }
}

/**
 * The live protection of one environment: REST "Get an environment" (404: it does not exist yet,
 * the first deploy) and, for custom branch policies, every page of "List deployment branch
 * policies". A string says why it could not be read.
 */
async function askLiveProtection(fullName: string, environment: string, wantsPatterns: boolean, lookups: GithubLookups): Promise<LiveProtection | "stand-in" | string> {
    const question = LIVE_PROTECTION_ENDPOINTS.environment(fullName, environment);
    const answer = await askRest(question, lookups);
    if ("refusal" in answer) return explainRefusal(answer.refusal, `GET ${question}`, NEEDED_PERMISSIONS.environment(fullName));
    if (answer.standIn) return "stand-in";
    if (answer.status === 404) return { kind: "missing" };
    const live = readLiveEnvironment(answer.body);
    if (live === undefined) return `GitHub's answer to GET ${question} is not an environment`;
    // The patterns matter while GitHub uses them, and when the config will switch back to them
    // (patterns left from before a switch by hand would apply again).
    if (live.branchPolicy !== "custom" && !wantsPatterns) return { kind: "present", environment: live };
    const policies: LiveBranchPolicy[] = [];
    for (let page = 1, pages = 1; page <= pages; page++) {
        const pageQuestion = LIVE_PROTECTION_ENDPOINTS.branchPolicies(fullName, environment, page);
        const pageAnswer = await askRest(pageQuestion, lookups);
        if ("refusal" in pageAnswer) return explainRefusal(pageAnswer.refusal, `GET ${pageQuestion}`, NEEDED_PERMISSIONS.environment(fullName));
        const read = pageAnswer.status === 200 ? readBranchPolicyPage(pageAnswer.body) : undefined;
        // The list serves custom environments only (REST "Deployment branch policies"); otherwise it may be refused.
        if (read === undefined && live.branchPolicy !== "custom") return { kind: "present", environment: live };
        if (read === undefined) return `GitHub answered HTTP ${pageAnswer.status} to GET ${pageQuestion}`;
        policies.push(...read.policies);
        pages = branchPolicyPages(read.totalCount);
    }
    return { kind: "present", environment: live, policies };
}

/** "some" when GitHub lists a protected branch (branch protection or ruleset), "none", "stand-in", or why it could not tell. */
async function askProtectedBranches(fullName: string, lookups: GithubLookups): Promise<"some" | "none" | "stand-in" | string> {
    const question = LIVE_PROTECTION_ENDPOINTS.protectedBranches(fullName);
    const answer = await askRest(question, lookups);
    if ("refusal" in answer) return explainRefusal(answer.refusal, `GET ${question}`, NEEDED_PERMISSIONS.branches(fullName));
    if (answer.standIn) return "stand-in";
    try {
        const branches = JSON.parse(answer.body) as unknown;
        if (answer.status === 200 && Array.isArray(branches)) return branches.length > 0 ? "some" : "none";
    } catch {
        // Reported below.
    }
    return `GitHub answered HTTP ${answer.status} to GET ${question}`;
}

/** The REST calls of one run: what a refreshing run certainly makes, and at most. */
export interface GithubCallEstimate {
    /** keyless's own questions plus one refresh read per resource (`preview --refresh`, `up --refresh`). */
    readonly certain: number;
    /** Also every resource created or updated: a first deploy, or a change to every entry. */
    readonly atMost: number;
}

/**
 * The REST calls this run makes, from what the config manages (GITHUB_CALLS: the provider's refresh
 * and writes per resource, keyless's own questions).
 */
export function githubCallsNeeded(config: KeylessConfig): GithubCallEstimate {
    const repositories = new Set(config.deployments.map((deployment) => deployment.repository.toLowerCase()));
    const teams = new Set<string>();
    const users = new Set<string>();
    let environments = 0;
    let resources = 0;
    let access = 0;
    for (const deployment of config.deployments) {
        const github = deployment.github;
        if (github.kind !== "environment") {
            resources += 2; // <prefix>_ROLE_ARN and <prefix>_REGION
            continue;
        }
        environments++;
        const refs = github.protection.branchPolicy;
        const patterns = refs.kind === "protectedBranches" ? 0 : refs.branches.length + refs.tags.length;
        // The environment, its patterns, its secrets (with the role ARN) and variables (with the region).
        resources += 1 + patterns + github.secrets.length + 1 + github.variables.length + 1;
        github.protection.reviewerTeams.forEach((slug) => teams.add(slug));
        github.protection.reviewerUsers.forEach((login) => users.add(login.toLowerCase()));
        access += github.protection.reviewerTeams.length + github.protection.reviewerUsers.length;
        // One page of deployment policies per 100 patterns (the config's, and room for as many added by hand).
        environments += Math.ceil(patterns / 100);
    }
    const questions =
        repositories.size * GITHUB_CALLS.perRepository +
        environments * GITHUB_CALLS.perEnvironment +
        teams.size * GITHUB_CALLS.perTeam +
        users.size * GITHUB_CALLS.perUser +
        access * GITHUB_CALLS.perReviewerAccess +
        GITHUB_CALLS.plan;
    const certain = questions + resources * GITHUB_CALLS.refreshPerResource;
    return { certain, atMost: certain + resources * GITHUB_CALLS.writesPerResource };
}

/**
 * GET rate_limit before anything else (it costs nothing: "Accessing this endpoint does not count
 * against your REST API rate limit"). The provider's legacy client (terraform-provider-github
 * v6.13.0 github/transport.go, RateLimitTransport.RoundTrip) sleeps until `Rate.Reset` on a
 * RateLimitError and retries, so a run short of budget hangs, holding the stack's lock, instead of
 * failing: refuse it up front.
 */
async function checkRateLimit(config: KeylessConfig, lookups: GithubLookups): Promise<{ problem?: string; warning?: string; standIn?: boolean }> {
    const question = LIVE_PROTECTION_ENDPOINTS.rateLimit();
    const answer = await askRest(question, lookups);
    if ("refusal" in answer) return { warning: `could not read GitHub's API budget (GET ${question}): ${explainRefusal(answer.refusal, `GET ${question}`, "a valid token")}` };
    if (answer.standIn) return { standIn: true };
    const core = answer.status === 200 ? readCoreRateLimit(answer.body) : undefined;
    // GitHub Enterprise Server with rate limiting disabled answers 404 to this endpoint: nothing to check.
    if (core === undefined) return {};
    const needed = githubCallsNeeded(config);
    if (core.remaining >= needed.atMost) return {};
    const reset = new Date(core.reset * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const budget = `${core.remaining} of ${core.limit} core requests remain until ${reset} (GET ${question})`;
    const what = `${config.deployments.length} repository entries and their environments, secrets and variables`;
    const wait =
        "The GitHub provider would not fail but wait for the reset, holding the stack's lock (its RateLimitTransport sleeps " +
        "until then).";
    // Refuse only what the run certainly exceeds; a stack larger than a whole hour's budget is
    // still deployable (the provider waits across resets), so that is a warning, not a refusal.
    if (core.remaining < needed.certain && needed.certain <= core.limit) {
        return {
            problem:
                `GitHub's API budget is too low for this run: ${budget}, and this stack needs at least ${needed.certain} ` +
                `(${what}; up to ${needed.atMost} when every resource changes). ${wait} Run again after ${reset}, or with a ` +
                "token whose budget is not shared (a GitHub App installation token of its own).",
        };
    }
    return {
        warning:
            `GitHub's API budget may run out during this run: ${budget}; this stack needs ${needed.certain} calls with a refresh and ` +
            `up to ${needed.atMost} when every resource changes (${what}). ${wait}` +
            (needed.certain > core.limit ? " The stack needs more than a whole hour's budget: split it into several stacks." : ""),
    };
}
