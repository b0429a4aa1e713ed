// Huge and pathological documents are analysed in bounded time or capped with a clear violation; nothing
// throws. (No timings are asserted: mocha's timeout is the only clock.)

import * as assert from "node:assert/strict";
import { checkPermissionPolicy, checkTrustPolicy } from "../../policy/analysis";
import { githubOidcTrustPinsRepository } from "../../policy/rules/githubOidcTrustPinsRepository";
import { iamNoPassroleOnAllRoles } from "../../policy/rules/iamNoPassroleOnAllRoles";
import { allow, githubTrustStatement, policyDocument } from "./helpers/documents";
import { runResourcePolicy } from "./helpers/sdk";

describe("huge and pathological documents", () => {
    it("a deeply nested value with shared references is quoted within a bound, not stringified whole", () => {
        // Each level points twice at the next: JSON.stringify would write 2^60 leaves.
        let shared: unknown = "leaf";
        for (let depth = 0; depth < 60; depth++) shared = { left: shared, right: shared };
        const findings = checkTrustPolicy({ Version: "2012-10-17", Statement: { Effect: shared, Action: "sts:AssumeRoleWithWebIdentity" } });
        assert.equal(findings.length, 1);
        assert.match(findings[0].message, /Effect must be "Allow" or "Deny", found \{"left":\{"left":/);
        assert.match(findings[0].message, /more than 160 characters\)/);
        assert.ok(findings[0].message.length < 400, `message of ${findings[0].message.length} characters`);
    });

    it("a value that refers to itself or throws when read is quoted, not crashed on", () => {
        const cyclic: Record<string, unknown> = { Effect: "Maybe" };
        cyclic.self = cyclic;
        const hostile = Object.defineProperty({}, "boom", { enumerable: true, get: () => { throw new Error("getter"); } });
        const findings = checkPermissionPolicy({ Version: "2012-10-17", Statement: [cyclic, { Effect: hostile, Action: "s3:GetObject", Resource: "*" }] });
        assert.ok(findings.some((f) => /"\[Circular\]"/.test(f.message) || /Effect must be "Allow" or "Deny"/.test(f.message)), JSON.stringify(findings.map((f) => f.message)));
        assert.ok(findings.some((f) => /unreadable value|Statement\[1\]/.test(`${f.location} ${f.message}`)));
    });

    it("10,000 statements: every one is judged, and the report is capped with a count of the rest", () => {
        const statements = Array.from({ length: 10_000 }, (_, i) =>
            i % 2 === 0 ? allow("s3:GetObject", `arn:aws:s3:::bucket-${i}/*`) : allow("iam:PassRole", i % 1000 === 1 ? "*" : `arn:aws:iam::123456789012:role/r${i}`),
        );
        const findings = checkPermissionPolicy(JSON.stringify(policyDocument(...statements))).filter((f) => f.policy === "iam-no-passrole-on-all-roles");
        assert.equal(findings.length, 10, "the 10 statements with Resource \"*\"");
        assert.match(findings[9].location, /^Statement\[9001\]/);
    });

    it("10,000 dangerous statements: the first 25 are listed, then one line counts the rest", () => {
        const statements = Array.from({ length: 10_000 }, () => allow("*", "*"));
        const findings = checkPermissionPolicy(policyDocument(...statements)).filter((f) => f.policy === "iam-no-admin-access");
        assert.equal(findings.length, 26);
        assert.match(findings[25].message, /^9975 more statements have the same problem/);
    });

    it("10,000 trust statements, one of them loose", () => {
        const statements = Array.from({ length: 10_000 }, (_, i) =>
            githubTrustStatement({ sub: i === 7_777 ? "repo:acme/*" : `repo:acme/app-${i}:environment:production`, subOperator: i === 7_777 ? "StringLike" : "StringEquals" }),
        );
        const findings = checkTrustPolicy(JSON.stringify(policyDocument(...statements)));
        assert.deepEqual(findings.map((f) => f.location), ["Statement[7777]"]);
    });

    it("a 100 KB action or resource value is capped with a clear violation", () => {
        const long = `iam:${"P".repeat(100_000)}`;
        const findings = checkPermissionPolicy(policyDocument(allow(long, "*")));
        assert.ok(findings.some((f) => /100004 characters, longer than any valid IAM value/.test(f.message)));
        const resourceFindings = checkPermissionPolicy(policyDocument(allow("iam:PassRole", `arn:aws:iam::123456789012:role/${"*".repeat(100_000)}`)));
        assert.ok(resourceFindings.length > 0);
    });

    it("a 100 KB sub value is judged, not ignored", () => {
        const findings = checkTrustPolicy(policyDocument(githubTrustStatement({ sub: `repo:acme/${"a".repeat(100_000)}*`, subOperator: "StringLike" })));
        assert.ok(findings.length > 0);
    });

    it("a 100 KB string of garbage is unreadable, and a trust policy fails closed", () => {
        assert.match(checkTrustPolicy("x".repeat(100_000))[0].message, /not valid JSON/);
    });

    it("a document larger than keyless reads is refused, not parsed", () => {
        const huge = JSON.stringify({ Statement: [], padding: "x".repeat(5_000_001) });
        assert.match(checkTrustPolicy(huge)[0].message, /more than keyless reads/);
    });

    it("deeply nested JSON (as a string and as an object) does not crash the analysis", () => {
        const depth = 100_000;
        const nestedText = `{"Statement":${"[".repeat(depth)}${"]".repeat(depth)}}`;
        assert.ok(checkTrustPolicy(nestedText).length > 0);
        let nested: unknown = "*";
        for (let i = 0; i < depth; i++) {
            nested = { Statement: nested, Action: [nested] };
        }
        assert.ok(Array.isArray(checkPermissionPolicy(nested)));
        assert.ok(checkTrustPolicy({ Statement: [{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { "token.actions.githubusercontent.com:sub": nested } } }] }).length > 0);
    });

    it("a list of 5,000 actions in one statement is capped with a clear violation", () => {
        const actions = Array.from({ length: 5_000 }, (_, i) => `s3:Action${i}`);
        const findings = checkPermissionPolicy(policyDocument(allow(actions, "*")));
        assert.ok(findings.some((f) => /lists 5000 values, more than keyless analyses/.test(f.message)));
    });

    it("through the SDK: large documents and odd nesting come back as violations, never as exceptions", () => {
        const big = JSON.stringify(policyDocument(...Array.from({ length: 2_000 }, () => allow("iam:PassRole", "*"))));
        const outcome = runResourcePolicy(iamNoPassroleOnAllRoles, { type: "aws:iam/policy:Policy", props: { policy: big } });
        assert.equal(outcome.violations.length, 26);
        const nested = runResourcePolicy(githubOidcTrustPinsRepository, { type: "aws:iam/role:Role", props: { assumeRolePolicy: { Statement: [[[[[[{}]]]]]] } } });
        assert.ok(nested.violations.length > 0);
    });
});
