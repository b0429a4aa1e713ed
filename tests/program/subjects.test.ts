import * as assert from "node:assert/strict";
import { exactSubjects, issuerHost } from "../../components/subjects";

const acmeApi = { owner: "acme", repository: "api", ownerId: 123, repositoryId: 456 };

describe("exact subjects", () => {
    it("names the repository and the environment in GitHub's legacy form", () => {
        assert.deepEqual(exactSubjects(acmeApi, "legacy", { kind: "environment", environment: "production" }), [
            "repo:acme/api:environment:production",
        ]);
    });

    it("carries the owner and repository IDs in the immutable form", () => {
        assert.deepEqual(exactSubjects(acmeApi, "immutable", { kind: "environment", environment: "production" }), [
            "repo:acme@123/api@456:environment:production",
        ]);
    });

    it("trusts both exact forms during a migration, legacy first", () => {
        assert.deepEqual(exactSubjects(acmeApi, "both", { kind: "branch", branch: "main" }), [
            "repo:acme/api:ref:refs/heads/main",
            "repo:acme@123/api@456:ref:refs/heads/main",
        ]);
    });

    it("writes tag and pull_request contexts as GitHub sends them", () => {
        assert.deepEqual(exactSubjects(acmeApi, "legacy", { kind: "tag", tag: "v1.2.3" }), ["repo:acme/api:ref:refs/tags/v1.2.3"]);
        assert.deepEqual(exactSubjects(acmeApi, "legacy", { kind: "pullRequest" }), ["repo:acme/api:pull_request"]);
    });

    it("refuses an immutable subject without IDs rather than writing a wrong one", () => {
        assert.throws(
            () => exactSubjects({ owner: "acme", repository: "api" }, "immutable", { kind: "pullRequest" }),
            /needs its owner and repository IDs/,
        );
    });

    it("prefixes the issuer with an enterprise slug", () => {
        assert.equal(issuerHost(), "token.actions.githubusercontent.com");
        assert.equal(issuerHost("octo-corp"), "token.actions.githubusercontent.com/octo-corp");
    });
});
