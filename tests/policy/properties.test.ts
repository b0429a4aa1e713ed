// Property-based tests: a verdict must not depend on how a document is written (statement and value order,
// casing of condition keys, operators and actions, JSON string vs object, one value vs a one-element
// list), and no input, however odd, may make a check throw.

import * as assert from "node:assert/strict";
import fc from "fast-check";
import { checkManagedPolicyArn, checkPermissionPolicy, checkTrustPolicy, describeGithubTrust, Finding } from "../../policy/analysis";
import { githubOidcTrustPinsRepository } from "../../policy/rules/githubOidcTrustPinsRepository";
import { githubTrustedEnvironmentProtected } from "../../policy/rules/githubTrustedEnvironmentProtected";
import { iamNoAdminAccess } from "../../policy/rules/iamNoAdminAccess";
import { iamNoPassroleOnAllRoles } from "../../policy/rules/iamNoPassroleOnAllRoles";
import { githubProviderArn } from "./helpers/documents";
import { runResourcePolicy, runStackPolicy, UNKNOWN } from "./helpers/sdk";

const RUNS = { numRuns: 300 };

// ---- a small model of documents, and how to write the same document many ways ----

interface Clause {
    operator: string;
    key: string;
    values: string[];
}

interface StatementModel {
    sid?: string;
    effect: "Allow" | "Deny";
    principal?: Record<string, string[]> | "*";
    actionElement: "Action" | "NotAction";
    actions: string[];
    resourceElement?: "Resource" | "NotResource";
    resources?: string[];
    clauses: Clause[];
}

/** How to write a model: all choices keep IAM's meaning. */
interface Writing {
    statementOrder: number[];
    shuffleSeed: number;
    caseSeed: number;
    asString: boolean;
    scalars: boolean;
    singleStatementAsObject: boolean;
}

function permute<T>(items: readonly T[], seed: number): T[] {
    const copy = [...items];
    let state = seed >>> 0 || 1;
    for (let i = copy.length - 1; i > 0; i--) {
        state = (state * 1103515245 + 12345) >>> 0;
        const j = state % (i + 1);
        [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
}

/** Changes the case of letters, deterministically from the seed. */
function recase(text: string, seed: number): string {
    let state = seed >>> 0 || 7;
    return [...text]
        .map((c) => {
            state = (state * 1664525 + 1013904223) >>> 0;
            return state % 2 === 0 ? c.toUpperCase() : c.toLowerCase();
        })
        .join("");
}

function list(values: string[], writing: Writing | undefined, salt: number): string | string[] {
    const ordered = writing === undefined ? values : permute(values, writing.shuffleSeed + salt);
    return writing?.scalars && ordered.length === 1 ? ordered[0] : ordered;
}

function render(statements: StatementModel[], writing?: Writing): unknown {
    const order = writing === undefined ? statements.map((_, i) => i) : writing.statementOrder;
    const rendered = order.map((index, position) => {
        const s = statements[index];
        const salt = position * 31;
        const statement: Record<string, unknown> = { Effect: s.effect };
        if (s.sid !== undefined) {
            statement.Sid = s.sid;
        }
        if (s.principal !== undefined) {
            statement.Principal =
                s.principal === "*"
                    ? "*"
                    : Object.fromEntries(Object.entries(s.principal).map(([k, v]) => [k, list(v, writing, salt + 1)]));
        }
        const actions = writing === undefined ? s.actions : s.actions.map((a, i) => recase(a, writing.caseSeed + salt + i));
        statement[s.actionElement] = list(actions, writing, salt + 2);
        if (s.resourceElement !== undefined && s.resources !== undefined) {
            statement[s.resourceElement] = list(s.resources, writing, salt + 3);
        }
        if (s.clauses.length > 0) {
            const condition: Record<string, Record<string, unknown>> = {};
            s.clauses.forEach((clause, i) => {
                const operator = writing === undefined ? clause.operator : recase(clause.operator, writing.caseSeed + salt + 100 + i);
                const key = writing === undefined ? clause.key : recase(clause.key, writing.caseSeed + salt + 200 + i);
                condition[operator] = { ...(condition[operator] ?? {}), [key]: list(clause.values, writing, salt + 300 + i) };
            });
            statement.Condition = condition;
        }
        return statement;
    });
    const document = {
        Version: "2012-10-17",
        Statement: writing?.singleStatementAsObject && rendered.length === 1 ? rendered[0] : rendered,
    };
    return writing?.asString ? JSON.stringify(document) : document;
}

const writingFor = (count: number): fc.Arbitrary<Writing> =>
    fc.record({
        statementOrder: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
        shuffleSeed: fc.nat(),
        caseSeed: fc.nat(),
        asString: fc.boolean(),
        scalars: fc.boolean(),
        singleStatementAsObject: fc.boolean(),
    });

function tally(findings: Finding[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const finding of findings) {
        counts[finding.policy] = (counts[finding.policy] ?? 0) + 1;
    }
    return counts;
}

// ---- trust documents ----

const ISSUERS = ["token.actions.githubusercontent.com", "token.actions.githubusercontent.com/acme-corp"];
const SUBJECTS = [
    "repo:acme/api:environment:production",
    "repo:acme@1234/api@5678:ref:refs/heads/main",
    "repo:acme/api:pull_request",
    "repo:acme/*",
    "repo:acme/api:*",
    "repo:*",
    "repo:acme@*/api@*:environment:production",
    "repo:acme/ap?:environment:production",
    "environment:production",
    "repo:acme",
];
const OPERATORS = [
    "StringEquals",
    "StringLike",
    "ForAnyValue:StringLike",
    "ForAllValues:StringEquals",
    "StringLikeIfExists",
    "StringNotLike",
    "StringEqualsIgnoreCase",
];

const trustStatement: fc.Arbitrary<StatementModel> = fc
    .record({
        issuer: fc.constantFrom(...ISSUERS),
        effect: fc.constantFrom<"Allow" | "Deny">("Allow", "Allow", "Deny"),
        principalKind: fc.constantFrom("github", "github", "service", "everyone"),
        actionElement: fc.constantFrom<"Action" | "NotAction">("Action", "Action", "NotAction"),
        actions: fc.uniqueArray(fc.constantFrom("sts:AssumeRoleWithWebIdentity", "sts:*", "*", "sts:AssumeRole", "sts:TagSession"), { minLength: 1, maxLength: 2 }),
        subOperators: fc.uniqueArray(fc.constantFrom(...OPERATORS), { maxLength: 2 }),
        subValues: fc.array(fc.uniqueArray(fc.constantFrom(...SUBJECTS), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 2 }),
        audOperator: fc.option(fc.constantFrom("StringEquals", "StringLike", "ForAllValues:StringEquals"), { nil: undefined }),
        audValues: fc.uniqueArray(fc.constantFrom("sts.amazonaws.com", "sts.*", "*"), { minLength: 1, maxLength: 2 }),
        sid: fc.option(fc.constantFrom("Deploy", "Preview"), { nil: undefined }),
    })
    .map((m) => {
        const clauses: Clause[] = m.subOperators.map((operator, i) => ({ operator, key: `${m.issuer}:sub`, values: m.subValues[i] }));
        if (m.audOperator !== undefined) {
            const existing = clauses.find((c) => c.operator === m.audOperator);
            if (existing === undefined) {
                clauses.push({ operator: m.audOperator, key: `${m.issuer}:aud`, values: m.audValues });
            }
        }
        const principal: StatementModel["principal"] =
            m.principalKind === "github"
                ? { Federated: [githubProviderArn("aws", m.issuer)] }
                : m.principalKind === "service"
                  ? { Service: ["ec2.amazonaws.com"] }
                  : "*";
        return { sid: m.sid, effect: m.effect, principal, actionElement: m.actionElement, actions: m.actions, clauses };
    });

// ---- permission documents ----

const ACTIONS = ["iam:PassRole", "iam:Pass*", "iam:*", "*", "*:*", "iam:P?ssRole", "iam:*Role", "s3:GetObject", "iam:GetRole", "s3:*"];
const RESOURCES = [
    "*",
    "arn:aws:iam::*:role/*",
    "arn:*:iam::*:*",
    "arn:aws:iam::123456789012:role/*",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:s3:::site/*",
    "arn:aws:iam::*:*",
];

const permissionStatement: fc.Arbitrary<StatementModel> = fc.record({
    sid: fc.option(fc.constantFrom("A", "B"), { nil: undefined }),
    effect: fc.constantFrom<"Allow" | "Deny">("Allow", "Allow", "Deny"),
    actionElement: fc.constantFrom<"Action" | "NotAction">("Action", "Action", "Action", "NotAction"),
    actions: fc.uniqueArray(fc.constantFrom(...ACTIONS), { minLength: 1, maxLength: 3 }),
    resourceElement: fc.constantFrom<"Resource" | "NotResource">("Resource", "Resource", "Resource", "NotResource"),
    resources: fc.uniqueArray(fc.constantFrom(...RESOURCES), { minLength: 1, maxLength: 2 }),
    clauses: fc.option(fc.constant([{ operator: "StringEquals", key: "iam:PassedToService", values: ["ecs-tasks.amazonaws.com"] }]), { nil: [] }),
});

const documentsWithWritings = (statement: fc.Arbitrary<StatementModel>): fc.Arbitrary<[StatementModel[], Writing]> =>
    fc.array(statement, { minLength: 1, maxLength: 4 }).chain((statements) => fc.tuple(fc.constant(statements), writingFor(statements.length)));

describe("verdicts do not depend on how a document is written", () => {
    it("trust policies: order, key/operator/action casing, string vs object, scalar vs list", () => {
        fc.assert(
            fc.property(documentsWithWritings(trustStatement), ([statements, writing]) => {
                const canonical = checkTrustPolicy(render(statements));
                const rewritten = checkTrustPolicy(render(statements, writing));
                assert.equal(rewritten.length > 0, canonical.length > 0, "blocked verdict changed");
                assert.deepEqual(tally(rewritten), tally(canonical));
                assert.equal(describeGithubTrust(render(statements, writing)).length, describeGithubTrust(render(statements)).length);
            }),
            RUNS,
        );
    });

    it("permission policies: order, action casing, string vs object, scalar vs list", () => {
        fc.assert(
            fc.property(documentsWithWritings(permissionStatement), ([statements, writing]) => {
                assert.deepEqual(tally(checkPermissionPolicy(render(statements, writing))), tally(checkPermissionPolicy(render(statements))));
            }),
            RUNS,
        );
    });

    it("a generated trust with a wildcard sub value under a Like operator and no exact clause is always blocked", () => {
        fc.assert(
            fc.property(
                fc.constantFrom("StringLike", "ForAnyValue:StringLike", "stringlike"),
                fc.uniqueArray(fc.constantFrom(...SUBJECTS.slice(0, 3)), { maxLength: 2 }),
                fc.constantFrom("repo:acme/*", "repo:acme/api:*", "repo:*", "repo:acme/ap?:environment:production"),
                (operator, exact, wildcard) => {
                    const document = render([
                        {
                            effect: "Allow",
                            principal: { Federated: [githubProviderArn()] },
                            actionElement: "Action",
                            actions: ["sts:AssumeRoleWithWebIdentity"],
                            clauses: [
                                { operator, key: "token.actions.githubusercontent.com:sub", values: [...exact, wildcard] },
                                { operator: "StringEquals", key: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
                            ],
                        },
                    ]);
                    assert.ok(checkTrustPolicy(document).some((f) => f.message.includes(JSON.stringify(wildcard))));
                },
            ),
            RUNS,
        );
    });
});

describe("no input makes a check throw", () => {
    const sentinelOr = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | string> => fc.oneof({ weight: 1, arbitrary: fc.constant(UNKNOWN) }, { weight: 9, arbitrary });
    const iamish = fc.letrec((tie) => ({
        value: fc.oneof(
            { depthSize: "small" },
            fc.constantFrom("*", "Allow", "Deny", "sts:AssumeRoleWithWebIdentity", "iam:PassRole", githubProviderArn(), "token.actions.githubusercontent.com:sub", "repo:acme/*", "StringLike", "ForAllValues:StringLike", "Statement", "Effect", "Action", "Condition", "Principal", "Federated", "Resource", UNKNOWN),
            fc.jsonValue({ maxDepth: 2 }),
            fc.array(tie("value"), { maxLength: 3 }),
            fc.dictionary(fc.constantFrom("Statement", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition", "Federated", "AWS", "StringLike", "StringEquals", "token.actions.githubusercontent.com:sub", "token.actions.githubusercontent.com:aud", "Sid", "x"), tie("value"), { maxKeys: 5 }),
        ),
    })).value;

    it("the analysis API, on arbitrary values and IAM-shaped JSON", () => {
        fc.assert(
            fc.property(fc.oneof(fc.anything(), iamish, iamish.map((v) => JSON.stringify(v)), fc.string()), (input) => {
                assert.ok(Array.isArray(checkTrustPolicy(input)));
                assert.ok(Array.isArray(checkPermissionPolicy(input)));
                assert.ok(Array.isArray(describeGithubTrust(input)));
                checkManagedPolicyArn(input as string);
            }),
            { numRuns: 1000 },
        );
    });

    it("every policy, through the SDK's proxies, on arbitrary properties (only the preview advisory may interrupt)", () => {
        const types = [
            "aws:iam/role:Role",
            "aws-native:iam:Role",
            "aws:iam/policy:Policy",
            "aws-native:iam:User",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            "github:index/repositoryEnvironment:RepositoryEnvironment",
        ];
        const properties = fc.dictionary(
            fc.constantFrom("assumeRolePolicy", "assumeRolePolicyDocument", "policy", "policyDocument", "inlinePolicies", "policies", "managedPolicyArns", "policyArn", "policyArns", "repository", "environment", "reviewers", "canAdminsBypass", "deploymentBranchPolicy", "arn"),
            fc.oneof(sentinelOr(iamish), iamish.map((v) => JSON.stringify(v))),
            { maxKeys: 6 },
        );
        fc.assert(
            fc.property(fc.array(fc.tuple(fc.constantFrom(...types), properties), { minLength: 1, maxLength: 4 }), (resources) => {
                const inputs = resources.map(([type, props], i) => ({ type, name: `r${i}`, props: props as Record<string, unknown> }));
                for (const input of inputs) {
                    for (const policy of [githubOidcTrustPinsRepository, iamNoPassroleOnAllRoles, iamNoAdminAccess]) {
                        runResourcePolicy(policy, input);
                    }
                }
                runStackPolicy(githubTrustedEnvironmentProtected, inputs);
                runStackPolicy(iamNoAdminAccess, inputs);
            }),
            { numRuns: 500 },
        );
    });
});
