// The trust rule's verdicts on the pitfalls of research/iam-policy-semantics.md and the dangerous shapes of
// research/oidc-modules-survey.md section 7, through the analysis API the program also imports.

import * as assert from "node:assert/strict";
import { checkTrustPolicy, describeGithubTrust, TrustOptions } from "../../policy/analysis";
import { GITHUB, githubProviderArn, githubTrust, githubTrustStatement, policyDocument, Statement } from "./helpers/documents";

const SUB = `${GITHUB}:sub`;
const AUD = `${GITHUB}:aud`;

function findings(document: unknown, options?: TrustOptions): string[] {
    return checkTrustPolicy(document, options).map((f) => `${f.location}: ${f.message}`);
}

function assertBlocked(document: unknown, mentions: RegExp[] = [], options?: TrustOptions): void {
    const messages = findings(document, options);
    assert.ok(messages.length > 0, `expected a violation for ${JSON.stringify(document)}`);
    for (const mention of mentions) {
        assert.ok(
            messages.some((m) => mention.test(m)),
            `expected a message matching ${mention}, got:\n${messages.join("\n")}`,
        );
    }
}

function assertPasses(document: unknown, options?: TrustOptions): void {
    assert.deepEqual(findings(document, options), []);
}

describe("github-oidc-trust-pins-repository analysis", () => {
    describe("exact subjects pass", () => {
        for (const sub of [
            "repo:acme/api:environment:production",
            "repo:acme/api:ref:refs/heads/main",
            "repo:acme/api:ref:refs/tags/v1.2.3",
            "repo:acme/api:pull_request",
            "repo:acme@1234/api@5678:environment:production",
            "repo:acme@1234/api@5678:ref:refs/heads/main",
        ]) {
            it(`StringEquals ${sub}`, () => assertPasses(githubTrust({ sub })));
        }
        it("several exact values under one key", () =>
            assertPasses(githubTrust({ sub: ["repo:acme/api:environment:production", "repo:acme@1/api@2:environment:production"] })));
        it("StringLike without any wildcard is exact", () =>
            assertPasses(githubTrust({ sub: "repo:acme/api:environment:production", subOperator: "StringLike" })));
        it("ForAnyValue:StringEquals restricts like StringEquals", () =>
            assertPasses(githubTrust({ sub: "repo:acme/api:environment:production", subOperator: "ForAnyValue:StringEquals" })));
        it("every GitHub issuer partition is recognised (aws-us-gov, aws-cn)", () => {
            for (const partition of ["aws-us-gov", "aws-cn"]) {
                const aud = partition === "aws-cn" ? "sts.amazonaws.com.cn" : "sts.amazonaws.com";
                assertPasses(githubTrust({ partition, aud, sub: "repo:acme/api:environment:production" }));
                assertBlocked(githubTrust({ partition, sub: "repo:acme/*", subOperator: "StringLike" }));
            }
        });
    });

    describe("sub pitfalls", () => {
        it("no sub at all: any repository on GitHub can assume the role (Datadog's finding)", () =>
            assertBlocked(githubTrust({}), [/no "token\.actions\.githubusercontent\.com:sub" condition/, /any repository on GitHub/, /StringEquals/]));
        for (const sub of ["repo:*", "repo:acme/*", "repo:acme/api:*", "repo:acme/api:environment:*", "*"]) {
            it(`StringLike ${sub} is a wildcard trust`, () =>
                assertBlocked(githubTrust({ sub, subOperator: "StringLike" }), [new RegExp(`"${sub.replace(/[*]/g, "\\*")}" under StringLike contains the wildcard`)]));
        }
        it("? is a wildcard too", () => assertBlocked(githubTrust({ sub: "repo:acme/ap?:environment:production", subOperator: "StringLike" }), [/wildcard "\?"/]));
        it("values are OR-ed: one wildcard among exact values opens the role", () =>
            assertBlocked(
                githubTrust({ sub: ["repo:acme/api:environment:production", "repo:acme/api:*"], subOperator: "StringLike" }),
                [/"repo:acme\/api:\*"/],
            ));
        it("under StringEquals * and ? are literal characters, not wildcards", () => {
            assertPasses(githubTrust({ sub: "repo:acme/api:ref:refs/heads/*" }));
            assertPasses(githubTrust({ sub: ["repo:acme/api:environment:production", "repo:acme/api:*"] }));
        });
        it("ForAllValues:StringLike is true when the claim is absent", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:ref:refs/heads/main", subOperator: "ForAllValues:StringLike" }), [/ForAllValues:StringLike/, /restricts nothing/]));
        it("ForAllValues:StringEquals does not restrict either", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:ref:refs/heads/main", subOperator: "ForAllValues:StringEquals" })));
        for (const operator of ["StringEqualsIfExists", "StringLikeIfExists"]) {
            it(`${operator} is true when the claim is absent`, () =>
                assertBlocked(githubTrust({ sub: "repo:acme/api:ref:refs/heads/main", subOperator: operator }), [/true when the claim is absent/]));
        }
        it("a negated operator alone is a deny-list", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:pull_request", subOperator: "StringNotLike" }), [/deny-list/]));
        it("a deny-list AND-ed with an exact StringEquals passes (separate operators are AND-ed)", () =>
            assertPasses(githubTrust({ sub: "repo:acme/api:environment:production", conditions: { StringNotLike: { [SUB]: "repo:acme/api:pull_request" } } })));
        it("a wildcard clause AND-ed with an exact clause passes: the exact clause decides", () =>
            assertPasses(githubTrust({ sub: "repo:acme/api:environment:production", conditions: { StringLike: { [SUB]: "repo:acme/*" } } })));
        it("StringEqualsIgnoreCase admits branches that differ only in case", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:ref:refs/heads/main", subOperator: "StringEqualsIgnoreCase" }), [/ignores case/]));
        it("an operator IAM does not know restricts nothing", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:ref:refs/heads/main", subOperator: "StringMatches" }), [/not an IAM condition operator/]));
        it("condition keys are case-insensitive: an upper-case key is still the sub key", () => {
            assertPasses(policyDocument(githubTrustStatement({ conditions: { StringEquals: { "TOKEN.actions.GitHubUserContent.com:SUB": "repo:acme/api:pull_request" } } })));
            assertBlocked(policyDocument(githubTrustStatement({ conditions: { StringLike: { "Token.Actions.GithubUserContent.Com:Sub": "repo:acme/*" } } })), [/wildcard/]);
        });
        it("operator names are matched case-insensitively", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/*", subOperator: "stringlike" }), [/wildcard/]));
        it("a customised template starting with another claim does not pin owner and repository", () => {
            assertBlocked(githubTrust({ sub: "environment:production" }), [/starts with "environment"/, /does not pin owner and repository/]);
            assertBlocked(githubTrust({ sub: "workflow:deploy" }), [/starts with "workflow"/]);
        });
        it("job_workflow_ref alone names the called workflow, not the caller", () =>
            assertBlocked(githubTrust({ conditions: { StringEquals: { [`${GITHUB}:job_workflow_ref`]: "acme/workflows/.github/workflows/deploy.yml@refs/heads/main" } } }), [/no ".*:sub" condition/]));
        it("a wildcard in an immutable ID slot throws the protection away", () =>
            assertBlocked(githubTrust({ sub: "repo:acme@*/api@*:environment:production", subOperator: "StringLike" }), [/owner ID/]));
        it("a subject mixing the legacy and the immutable form is not one GitHub issues", () =>
            assertBlocked(githubTrust({ sub: "repo:acme@1234/api:environment:production" }), [/mixes the legacy and the immutable form/]));
        it("a subject without exactly one OWNER/REPO does not pin a repository", () => {
            assertBlocked(githubTrust({ sub: "repo:acme:environment:production" }), [/exactly one OWNER\/REPO/]);
            assertBlocked(githubTrust({ sub: "repo:/api:pull_request" }), [/owner name is empty/]);
        });
        it("a policy variable is not an exact subject", () => assertBlocked(githubTrust({ sub: "repo:${aws:PrincipalTag/owner}/api:pull_request" }), [/policy variable/]));
        it("a sub condition with no values pins nothing", () => assertBlocked(githubTrust({ sub: [] }), [/lists no subject/]));
    });

    describe("aud", () => {
        it("a missing aud is blocked", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:pull_request", aud: null }), [/no "token\.actions\.githubusercontent\.com:aud" condition/, /sts\.amazonaws\.com/]));
        it("a wildcard aud is blocked", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:pull_request", aud: "*", audOperator: "StringLike" }), [/aud value "\*"/]));
        it("aud under ForAllValues: restricts nothing", () =>
            assertBlocked(githubTrust({ sub: "repo:acme/api:pull_request", audOperator: "ForAllValues:StringEquals" }), [/does not restrict the audience/]));
        const sub = "repo:acme/api:pull_request";
        it("STS's audience passes, in the partition's spelling", () => {
            assertPasses(githubTrust({ sub, aud: "sts.amazonaws.com" }));
            assertPasses(githubTrust({ sub, aud: "sts.amazonaws.com", partition: "aws-us-gov" }));
            assertPasses(githubTrust({ sub, aud: "sts.amazonaws.com.cn", partition: "aws-cn" }));
        });
        it("another partition's STS audience is blocked (the provider is not meant to accept it)", () => {
            assertBlocked(githubTrust({ sub, aud: "sts.amazonaws.com.cn" }), [/aud value "sts\.amazonaws\.com\.cn" is not an audience/, /"sts\.amazonaws\.com"/]);
            assertBlocked(githubTrust({ sub, aud: "sts.amazonaws.com", partition: "aws-cn" }), [/"sts\.amazonaws\.com\.cn"/]);
        });
        it("GitHub's default audience (the owner's URL) is blocked: the real trust that passed before", () =>
            assertBlocked(githubTrust({ sub, aud: "https://github.com/acme" }), [/aud value "https:\/\/github\.com\/acme" is not an audience/]));
        it("one foreign value among allowed ones opens the role (values under one key are OR-ed)", () =>
            assertBlocked(githubTrust({ sub, aud: ["sts.amazonaws.com", "api://AzureADTokenExchange"] }), [/"api:\/\/AzureADTokenExchange"/]));
        it("values are compared exactly: STS compares case-sensitively", () =>
            assertBlocked(githubTrust({ sub, aud: "STS.amazonaws.com" }), [/not an audience/]));
        it("StringLike without a wildcard is exact; with one it is blocked", () => {
            assertPasses(githubTrust({ sub, aud: "sts.amazonaws.com", audOperator: "StringLike" }));
            assertBlocked(githubTrust({ sub, aud: "sts.amazonaws.*", audOperator: "StringLike" }), [/contains a wildcard/]);
        });
        it("the aud key is found whatever its case, and a foreign value under it still counts", () => {
            const document = policyDocument({
                ...githubTrustStatement({ aud: null }),
                Condition: { StringEquals: { [SUB]: sub, [AUD.toUpperCase()]: "https://github.com/acme" } },
            });
            assertBlocked(document, [/not an audience/]);
        });
        it("a second clause that pins the audience is enough (separate operators are AND-ed)", () => {
            const document = policyDocument({
                ...githubTrustStatement({ aud: null }),
                Condition: {
                    StringEquals: { [SUB]: sub, [AUD]: "sts.amazonaws.com" },
                    StringLike: { [AUD]: ["sts.amazonaws.com", "https://github.com/acme"] },
                },
            });
            assertPasses(document);
        });
        it("an enterprise issuer's aud key is judged the same way", () => {
            const issuer = `${GITHUB}/acme-corp`;
            assertPasses(githubTrust({ issuer, sub }));
            assertBlocked(githubTrust({ issuer, sub, aud: "https://github.com/acme-corp" }), [/acme-corp:aud/]);
        });
        it("allowedAudiences replaces the default, for every partition", () => {
            const options = { allowedAudiences: ["sigstore", "sts.amazonaws.com"] };
            assertPasses(githubTrust({ sub, aud: "sigstore" }), options);
            assertPasses(githubTrust({ sub, aud: ["sigstore", "sts.amazonaws.com"] }), options);
            assertBlocked(githubTrust({ sub, aud: "sts.amazonaws.com.cn", partition: "aws-cn" }), [/sigstore, sts\.amazonaws\.com/], options);
        });
        it("Principal * (no provider ARN) accepts either STS audience and nothing else", () => {
            const star = (aud: string) => policyDocument({ ...githubTrustStatement({ sub, aud }), Principal: "*" });
            assertPasses(star("sts.amazonaws.com"));
            assertPasses(star("sts.amazonaws.com.cn"));
            assertBlocked(star("https://github.com/acme"), [/not an audience/]);
        });
    });

    describe("which statements count", () => {
        it("every statement counts: a safe first statement does not hide a dangerous second one", () => {
            const document = policyDocument(
                githubTrustStatement({ sub: "repo:acme/api:environment:production", sid: "Prod" }),
                githubTrustStatement({ sub: "repo:acme/*", subOperator: "StringLike", sid: "Everything" }),
            );
            assertBlocked(document, [/^Statement\[1\] \(Sid "Everything"\)/]);
        });
        it("a statement that is not about GitHub does not end the search", () =>
            assertBlocked(policyDocument({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }, githubTrustStatement({}))));
        it("other principals are not judged", () =>
            assertPasses(policyDocument({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" })));
        for (const action of ["sts:*", "sts:AssumeRole*", "STS:ASSUMEROLEWITHWEBIDENTITY", "*", "sts:AssumeRoleWith?ebIdentity"]) {
            it(`Action ${action} grants sts:AssumeRoleWithWebIdentity`, () => assertBlocked(githubTrust({ action })));
        }
        it("NotAction that does not exclude AssumeRoleWithWebIdentity grants it", () => {
            const statement = { ...githubTrustStatement({}), Action: undefined, NotAction: "sts:AssumeRole" };
            assertBlocked(policyDocument(statement));
        });
        it("a statement that grants only sts:AssumeRole is not a web-identity trust", () => assertPasses(githubTrust({ action: "sts:AssumeRole" })));
        it("Principal * lets every OIDC provider in, GitHub's included", () =>
            assertBlocked(policyDocument({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRoleWithWebIdentity" }), [/no ".*:sub"/]));
        it("a Deny statement is not a trust", () =>
            assertPasses(policyDocument({ ...githubTrustStatement({}), Effect: "Deny" })));
        it("an enterprise issuer has its own condition keys", () => {
            const issuer = `${GITHUB}/acme-corp`;
            assertPasses(githubTrust({ issuer, sub: "repo:acme/api:environment:production" }));
            const wrongKeys = policyDocument({
                ...githubTrustStatement({ issuer, aud: null }),
                Condition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: "repo:acme/api:environment:production" } },
            });
            assertBlocked(wrongKeys, [/token\.actions\.githubusercontent\.com\/acme-corp:sub/]);
        });
    });

    describe("allowedOwners", () => {
        const options = { allowedOwners: ["Acme"] };
        it("an owner outside the list is blocked", () =>
            assertBlocked(githubTrust({ sub: "repo:evil/api:environment:production" }), [/owner "evil", which is not in allowedOwners/], options));
        it("owners match case-insensitively, in the legacy and the immutable form", () => {
            assertPasses(githubTrust({ sub: "repo:acme/api:environment:production" }), options);
            assertPasses(githubTrust({ sub: "repo:ACME@1234/api@5678:environment:production" }), options);
        });
    });

    describe("unreadable documents fail closed", () => {
        for (const [label, document] of [
            ["malformed JSON", "{ not json"],
            ["an empty string", ""],
            ["a number", 42],
            ["a list", []],
            ["Statement of the wrong type", { Statement: "allow everything" }],
            ["a statement with an invalid Effect", { Statement: [{ Effect: "Maybe", Principal: "*", Action: "sts:AssumeRoleWithWebIdentity" }] }],
            ["a statement without Action", { Statement: [{ Effect: "Allow", Principal: { Federated: githubProviderArn() } }] }],
            ["an Action list holding an object", { Statement: [{ Effect: "Allow", Principal: { Federated: githubProviderArn() }, Action: [{}] }] }],
        ] as const) {
            it(label, () => assertBlocked(document, [/fails closed|fail closed/]));
        }
        it("a document with no statements trusts nobody and passes", () => {
            assertPasses({});
            assertPasses({ Version: "2012-10-17", Statement: [] });
        });
    });

    it("element names are read case-insensitively, so an oddly written document is judged rather than skipped", () => {
        const lower = { statement: [{ effect: "Allow", principal: { federated: githubProviderArn() }, action: "sts:AssumeRoleWithWebIdentity", condition: { StringLike: { [SUB]: "repo:acme/*" } } }] };
        assertBlocked(lower, [/wildcard/]);
    });

    it("the string and the object form get the same verdict", () => {
        const document = githubTrust({ sub: "repo:acme/*", subOperator: "StringLike" });
        assert.deepEqual(findings(JSON.stringify(document)), findings(document));
    });

    it("messages name the statement, the offending value and the fix", () => {
        const [message] = findings(githubTrust({ sub: "repo:acme/api:*", subOperator: "StringLike", sid: "DeployFromAnyBranch" }));
        assert.match(message, /^Statement\[0\] \(Sid "DeployFromAnyBranch"\)/);
        assert.match(message, /"repo:acme\/api:\*"/);
        assert.match(message, /every branch, tag, pull_request run and environment of acme\/api/);
        assert.match(message, /Use StringEquals .*"repo:acme\/api:environment:production"/);
    });

    describe("describeGithubTrust", () => {
        it("reports issuer, subjects, operator, audiences and statement of each GitHub trust", () => {
            const document = policyDocument(
                { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
                githubTrustStatement({ sub: ["repo:acme/api:environment:production"], sid: "Deploy" }),
                githubTrustStatement({ issuer: `${GITHUB}/acme-corp`, sub: "repo:acme/*", subOperator: "StringLike" }),
            );
            assert.deepEqual(describeGithubTrust(JSON.stringify(document)), [
                {
                    issuer: GITHUB,
                    subjects: ["repo:acme/api:environment:production"],
                    subjectOperator: "StringEquals",
                    audiences: ["sts.amazonaws.com"],
                    location: 'Statement[1] (Sid "Deploy")',
                    admits: "exact",
                },
                {
                    issuer: `${GITHUB}/acme-corp`,
                    subjects: ["repo:acme/*"],
                    subjectOperator: "StringLike",
                    audiences: ["sts.amazonaws.com"],
                    location: "Statement[2]",
                    admits: "pattern",
                },
            ]);
        });
        it("says whom each trust admits: exact subjects, patterns, or anyone", () => {
            const admits = (statement: Statement) => describeGithubTrust(policyDocument(statement)).map((trust) => trust.admits);
            assert.deepEqual(admits(githubTrustStatement({ sub: "repo:acme/api:ref:refs/heads/main" })), ["exact"]);
            assert.deepEqual(admits(githubTrustStatement({ sub: "repo:acme/*", subOperator: "StringLike" })), ["pattern"]);
            assert.deepEqual(admits(githubTrustStatement({ sub: "repo:acme/api:*", subOperator: "StringNotLike" })), ["anyone"]);
            assert.deepEqual(admits(githubTrustStatement({})), ["anyone"]);
        });
        it("returns nothing for documents it cannot read", () => {
            assert.deepEqual(describeGithubTrust("nope"), []);
            assert.deepEqual(describeGithubTrust(undefined), []);
        });
    });
});
