// What a preview asks GitHub, counted on the offline model: each question once, however many
// entries of the stack share a repository, a team, a user or the owner. A repeat costs every
// preview and drift run of a large stack a share of the App installation's hourly budget.
import * as assert from "node:assert/strict";
import { countByKind, githubCallsOf, installationBudget, refreshReadsOf, repeatedQuestions } from "../../tools/githubCalls";
import { readStackConfig } from "../../tools/stackFiles";
import { worldForStack } from "../helpers/githubWorld";
import { FIXTURE_STACKS, runStack, StackRun } from "../helpers/runStack";

const valuesOf = (stack: string) => readStackConfig(".", stack, `${FIXTURE_STACKS}/Pulumi.${stack}.yaml`).values;
const parse = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));

describe("the GitHub calls of a preview (offline model)", function () {
    this.timeout(300_000);
    const runs: Record<string, StackRun> = {};
    before(async () => {
        // prod: six entries over four repositories (keyless three times), one team and one user
        // reviewing every environment. dev: keyless three times, a repository in two forms.
        for (const stack of ["prod", "dev"]) {
            runs[stack] = (await runStack(stack, { github: worldForStack(valuesOf(stack), { plan: "enterprise", visibility: "private" }) })).assertSucceeded();
        }
    });

    for (const stack of ["prod", "dev"]) {
        it(`${stack}: asks no question twice`, () => {
            const calls = githubCallsOf(runs[stack].run.invokes);
            assert.ok(calls.length > 0, "the stack asks GitHub nothing");
            assert.deepEqual(repeatedQuestions(calls), []);
        });
    }

    it("prod: one plan lookup, each team and user ID once, one question per repository, reviewer and environment", () => {
        const values = valuesOf("prod");
        const entries = parse(values["keyless:repositories"]) as { name: string }[];
        const repositories = new Set(entries.map((entry) => entry.name.toLowerCase())).size;
        const counts = new Map(countByKind(githubCallsOf(runs.prod.run.invokes)));
        assert.equal(repositories, 4);
        assert.deepEqual(Object.fromEntries(counts), {
            "getRestApi GET orgs/{org}": 1,
            getTeam: 1,
            getUser: 1,
            // The visibility, for the protected environments' reviewers and wait timer.
            "getRestApi GET repos/{owner}/{repo}": repositories,
            "getRestApi GET orgs/{org}/teams/{team}/repos/{owner}/{repo}": repositories,
            "getRestApi GET repos/{owner}/{repo}/collaborators/{user}/permission": repositories,
            // The live protection of each environment the stack manages (one prod environment per repository),
            // and the budget left, asked once before anything else.
            "getRestApi GET repos/{owner}/{repo}/environments/{environment}": repositories,
            "getRestApi GET rate_limit": 1,
        });
    });

    it("counts a drift refresh as one GET per GitHub resource", () => {
        const reads = refreshReadsOf(runs.prod.run.resources);
        const github = runs.prod.customResources.filter((resource) => resource.type.startsWith("github:"));
        assert.equal(reads.length, github.length);
        assert.ok(!reads.some((read) => read.kind.includes("not checked")), reads.map((read) => read.kind).join("\n"));
    });
});

describe("a GitHub App installation's hourly budget", () => {
    it("is 5,000, plus 50 per repository and per user over 20, up to 12,500; 15,000 on Enterprise Cloud", () => {
        assert.equal(installationBudget({ repositories: 20, users: 20, enterpriseCloud: false }), 5_000);
        assert.equal(installationBudget({ repositories: 21, users: 25, enterpriseCloud: false }), 5_300);
        assert.equal(installationBudget({ repositories: 1000, users: 10, enterpriseCloud: false }), 12_500);
        assert.equal(installationBudget({ repositories: 3, users: 3, enterpriseCloud: true }), 15_000);
    });
});
