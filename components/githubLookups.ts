// The GitHub questions of githubFacts.ts, asked through the GitHub provider's data sources, so
// they use the provider's own credentials and configuration (`github:owner`, the App token).

import * as pulumi from "@pulumi/pulumi";
import { getRestApi } from "@pulumi/github/getRestApi";
import { getTeam } from "@pulumi/github/getTeam";
import { getUser } from "@pulumi/github/getUser";
import { GithubLookups } from "./githubFacts";

export function pulumiGithubLookups(opts?: pulumi.InvokeOptions): GithubLookups {
    return {
        async rest(endpoint) {
            const answer = await getRestApi({ endpoint }, opts);
            return { status: answer.code, body: answer.body };
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
