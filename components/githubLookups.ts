// The GitHub questions of githubFacts.ts, asked through the GitHub provider's data sources, so
// they use the provider's own credentials and configuration (`github:owner`, the App token).

import * as pulumi from "@pulumi/pulumi";
import { getRestApi } from "@pulumi/github/getRestApi";
import { getTeam } from "@pulumi/github/getTeam";
import { getUser } from "@pulumi/github/getUser";
import { GithubLookups } from "./githubFacts";

/**
 * The response header by which keyless's offline model (tools/offlineGithub.ts) marks an answer
 * as a stand-in for GitHub's. GitHub never sends it; with it, a fact is treated as unknown and
 * named as something `pulumi up` would ask.
 */
export const OFFLINE_STAND_IN_HEADER = "x-keyless-offline-stand-in";

/** Whether github_rest_api's `headers` (JSON of the response headers) carry the stand-in mark. */
export function isOfflineStandIn(headers: string | undefined): boolean {
    if (!headers) return false;
    try {
        const parsed = JSON.parse(headers) as unknown;
        return typeof parsed === "object" && parsed !== null && Object.keys(parsed).some((name) => name.toLowerCase() === OFFLINE_STAND_IN_HEADER);
    } catch {
        return false;
    }
}

export function pulumiGithubLookups(opts?: pulumi.InvokeOptions): GithubLookups {
    return {
        async rest(endpoint) {
            // Raises for every error status but 404 (data_source_github_rest_api.go), as the
            // GithubLookups contract says; githubFacts.ts reads the status from the error.
            const answer = await getRestApi({ endpoint }, opts);
            return { status: answer.code, body: answer.body, standIn: isOfflineStandIn(answer.headers) };
        },
        async teamId(slug) {
            // summaryOnly skips listing the team's members and repositories.
            const team = await getTeam({ slug, summaryOnly: true }, opts);
            return Number(team.id);
        },
        async userId(login) {
            const user = await getUser({ username: login }, opts);
            return Number(user.id);
        },
    };
}
