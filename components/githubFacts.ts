// What keyless asks GitHub before creating anything: how each repository is spelled and which
// numeric IDs it has (for immutable subjects), which subject form its tokens carry, and the
// numeric IDs of the reviewers named by team slug and login. The questions go through the
// GitHub provider's data sources (see pulumiGithubLookups); the answers are plain data, so the
// decisions below are tested without Pulumi.

import { Deployment, KeylessConfig } from "./config";
import { show } from "./configReader";
import { decideSubjectFormat } from "./subjectFormat";
import { exactSubjects, RepositoryIdentity, SubjectFormat } from "./subjects";

/** The GitHub questions keyless asks. */
export interface GithubLookups {
    /** GET on the REST API (e.g. `repos/acme/api`): status and raw body, never throws for 4xx. */
    rest(endpoint: string): Promise<{ status: number; body: string }>;
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
}

/** Asks GitHub what the config leaves open and builds each role's exact subjects. */
export async function resolveGithubFacts(config: KeylessConfig, lookups: GithubLookups): Promise<GithubFacts> {
    const warnings: string[] = [];
    const problems: string[] = [];
    // One question per repository, team and user, however many entries share it.
    const memo = new Map<string, Promise<unknown>>();
    const once = <T>(question: string, ask: () => Promise<T>): Promise<T> => {
        if (!memo.has(question)) memo.set(question, ask());
        return memo.get(question) as Promise<T>;
    };

    const resolved = await Promise.all(
        config.deployments.map(async (deployment): Promise<ResolvedDeployment | undefined> => {
            const fullName = `${config.owner}/${deployment.repository}`;
            const pinned = deployment.ownerId !== undefined && deployment.repositoryId !== undefined;

            let identity: RepositoryIdentity = {
                owner: config.owner,
                repository: deployment.repository,
                ownerId: deployment.ownerId,
                repositoryId: deployment.repositoryId,
            };
            if (!pinned) {
                // Pinned IDs are authoritative and need no lookup; otherwise GitHub supplies the
                // IDs and the exact spelling (the claim is case-sensitive).
                const answer = await once(`repo ${fullName.toLowerCase()}`, () => askRepository(fullName, lookups));
                if (typeof answer === "string") {
                    problems.push(`${deployment.key}.name: ${answer}`);
                    return undefined;
                }
                const [owner, repository] = answer.fullName.split("/");
                if (answer.fullName !== fullName) {
                    warnings.push(
                        `${deployment.key}: GitHub spells the repository ${answer.fullName}, the config ${fullName}; ` +
                            `keyless uses GitHub's spelling because the sub claim is case-sensitive`,
                    );
                }
                identity = { owner, repository, ownerId: answer.ownerId, repositoryId: answer.repositoryId };
            }

            let subjectFormat: SubjectFormat;
            if (deployment.subjectFormat === "auto") {
                const customization = await once(`oidc ${fullName.toLowerCase()}`, () =>
                    lookups.rest(`repos/${identity.owner}/${identity.repository}/actions/oidc/customization/sub`),
                );
                const decision = decideSubjectFormat(
                    `${identity.owner}/${identity.repository}`,
                    customization.status,
                    customization.body,
                );
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
            } else {
                subjectFormat = deployment.subjectFormat;
            }

            const github = deployment.github;
            const protection = github.kind === "environment" ? github.protection : undefined;
            const reviewerTeamIds: number[] = [];
            const reviewerUserIds: number[] = [];
            for (const slug of protection?.reviewerTeams ?? []) {
                const id = await once(`team ${slug}`, () => askId(() => lookups.teamId(slug)));
                if (typeof id === "string") {
                    problems.push(`${deployment.key}: reviewer team ${show(slug)} of ${config.owner}: ${id}`);
                } else {
                    reviewerTeamIds.push(id);
                }
            }
            for (const login of protection?.reviewerUsers ?? []) {
                const id = await once(`user ${login.toLowerCase()}`, () => askId(() => lookups.userId(login)));
                if (typeof id === "string") {
                    problems.push(`${deployment.key}: reviewer ${show(login)}: ${id}`);
                } else {
                    reviewerUserIds.push(id);
                }
            }

            return {
                deployment,
                identity,
                subjectFormat,
                subjects: exactSubjects(identity, subjectFormat, deployment.context),
                reviewerTeamIds,
                reviewerUserIds,
            };
        }),
    );

    return {
        deployments: resolved.filter((entry): entry is ResolvedDeployment => entry !== undefined),
        warnings,
        problems,
    };
}

async function askRepository(fullName: string, lookups: GithubLookups): Promise<RepositoryAnswer | string> {
    let answer: { status: number; body: string };
    try {
        answer = await lookups.rest(`repos/${fullName}`);
    } catch (error) {
        return `could not ask GitHub about ${fullName}: ${errorMessage(error)}`;
    }
    if (answer.status !== 200) {
        return (
            `GitHub answered HTTP ${answer.status} for ${fullName}: the repository does not exist, or the GitHub ` +
            `provider's token cannot read it (give the GitHub App access to it)`
        );
    }
    try {
        const body = JSON.parse(answer.body) as { id?: unknown; full_name?: unknown; owner?: { id?: unknown } };
        if (
            typeof body.full_name === "string" &&
            typeof body.id === "number" &&
            typeof body.owner?.id === "number"
        ) {
            return { fullName: body.full_name, repositoryId: body.id, ownerId: body.owner.id };
        }
    } catch {
        // Reported below.
    }
    return `GitHub's answer for ${fullName} has no full_name, id and owner.id`;
}

async function askId(ask: () => Promise<number>): Promise<number | string> {
    try {
        const id = await ask();
        return Number.isSafeInteger(id) && id > 0 ? id : `GitHub returned ${show(id)} as its ID`;
    } catch (error) {
        return `not found, or the GitHub provider's token cannot see it (${errorMessage(error)})`;
    }
}

function errorMessage(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return message.split("\n")[0].slice(0, 200);
}
