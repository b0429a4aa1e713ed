import * as assert from "node:assert/strict";
import { loadStackConfig } from "../../components/config";
import { GithubLookups, resolveGithubFacts } from "../../components/githubFacts";

function configWith(repositories: unknown[], extra: Record<string, unknown> = {}) {
    const values: Record<string, string> = {
        "aws:region": "eu-west-1",
        "github:owner": "acme",
        "keyless:accountId": "222222222222",
        "keyless:environment": "production",
        "keyless:reviewerTeams": JSON.stringify(["approvers"]),
        "keyless:reviewerUsers": JSON.stringify(["octocat"]),
        "keyless:repositories": JSON.stringify(repositories),
    };
    for (const [key, value] of Object.entries(extra)) values[key] = typeof value === "string" ? value : JSON.stringify(value);
    return loadStackConfig({ stack: "prod", values, secretKeys: new Set() });
}

/** A GitHub that knows acme/Api (id 456, owner id 123) and answers the subject question as told. */
function fakeGithub(customization: { status: number; body: string } = { status: 200, body: '{"use_default":true}' }) {
    const asked: string[] = [];
    const lookups: GithubLookups = {
        async rest(endpoint) {
            asked.push(endpoint);
            if (endpoint.toLowerCase() === "repos/acme/api") {
                return { status: 200, body: JSON.stringify({ full_name: "acme/Api", id: 456, owner: { id: 123, login: "acme" }, visibility: "private" }) };
            }
            if (endpoint.endsWith("/actions/oidc/customization/sub")) return customization;
            // An Enterprise organisation in which the reviewers can read the repository.
            if (endpoint === "orgs/acme") return { status: 200, body: '{"login":"acme","plan":{"name":"enterprise"}}' };
            if (endpoint === "orgs/acme/teams/approvers/repos/acme/Api") return { status: 204, body: "" };
            if (endpoint === "repos/acme/Api/collaborators/octocat/permission") return { status: 200, body: '{"permission":"write"}' };
            return { status: 404, body: '{"message":"Not Found"}' };
        },
        async teamId(slug) {
            asked.push(`team ${slug}`);
            if (slug === "approvers") return 77;
            throw new Error(`Could not resolve to a team with the slug '${slug}'`);
        },
        async userId(login) {
            asked.push(`user ${login}`);
            return 88;
        },
    };
    return { lookups, asked };
}

const lambda = { permissions: { lambda: { functions: ["api"] } } };

describe("GitHub facts", () => {
    it("uses GitHub's spelling and IDs, and the subject form GitHub reports", async () => {
        const github = fakeGithub({
            status: 200,
            body: '{"use_default":true,"use_immutable_subject":false,"sub_claim_prefix":"repo:acme@123/Api@456"}',
        });
        const facts = await resolveGithubFacts(configWith([{ name: "api", ...lambda }]), github.lookups);
        assert.deepEqual(facts.problems, []);
        assert.deepEqual(facts.deployments[0].subjects, ["repo:acme@123/Api@456:environment:production"]);
        assert.ok(facts.warnings.some((warning) => /GitHub spells the repository acme\/Api/.test(warning)));
        assert.deepEqual(facts.deployments[0].reviewerTeamIds, [77]);
        assert.deepEqual(facts.deployments[0].reviewerUserIds, [88]);
    });

    it("asks GitHub only the live protection of the environment of a repository whose IDs and form the config pins, when it has no reviewers", async () => {
        const github = fakeGithub();
        const facts = await resolveGithubFacts(
            configWith([{ name: "api", subjectFormat: "immutable", ownerId: 1, repositoryId: 2, ...lambda }], {
                "keyless:requireReviewers": "false",
                "keyless:reviewerTeams": [],
                "keyless:reviewerUsers": [],
            }),
            github.lookups,
        );
        assert.deepEqual(facts.deployments[0].subjects, ["repo:acme@1/api@2:environment:production"]);
        // Not the repository, its subject form or the reviewers' access: only what GitHub holds now (for drift).
        assert.deepEqual(github.asked.filter((question) => question.startsWith("repos/")), ["repos/acme/api/environments/production"]);
    });

    it("stops when GitHub's subject names other IDs than the pinned ones (a recycled name)", async () => {
        const github = fakeGithub({ status: 200, body: '{"use_default":true,"sub_claim_prefix":"repo:acme@123/api@999"}' });
        const facts = await resolveGithubFacts(configWith([{ name: "api", ownerId: 123, repositoryId: 456, ...lambda }]), github.lookups);
        assert.equal(facts.deployments.length, 0);
        assert.match(facts.problems[0], /keyless:repositories\[0\]: .*pins ownerId 123 and repositoryId 456.*another repository/);
    });

    it("trusts both exact forms, with a warning, when GitHub does not say which it sends", async () => {
        const facts = await resolveGithubFacts(configWith([{ name: "api", ...lambda }]), fakeGithub({ status: 404, body: "" }).lookups);
        assert.deepEqual(facts.deployments[0].subjects, [
            "repo:acme/Api:environment:production",
            "repo:acme@123/Api@456:environment:production",
        ]);
        assert.ok(facts.warnings.some((warning) => /could not tell which OIDC subject form/.test(warning)));
    });

    it("reports a repository GitHub does not know and a reviewer team that does not exist", async () => {
        const facts = await resolveGithubFacts(
            configWith([{ name: "ghost", ...lambda }], { "keyless:reviewerTeams": ["nobody"] }),
            fakeGithub().lookups,
        );
        assert.ok(facts.problems.some((problem) => /repositories\[0\]\.name: GitHub answered HTTP 404 for acme\/ghost/.test(problem)), facts.problems.join("\n"));
        const teamProblems = await resolveGithubFacts(configWith([{ name: "api", ...lambda }], { "keyless:reviewerTeams": ["nobody"] }), fakeGithub().lookups);
        assert.ok(teamProblems.problems.some((problem) => /reviewer team "nobody" of acme: not found/.test(problem)));
    });

    it("asks once per repository and team however many entries share them", async () => {
        const github = fakeGithub();
        await resolveGithubFacts(configWith([{ name: "api", ...lambda }, { name: "api", branch: "main", ...lambda }]), github.lookups);
        assert.equal(github.asked.filter((question) => question === "repos/acme/api").length, 1);
        assert.equal(github.asked.filter((question) => question === "team approvers").length, 1);
    });
});
