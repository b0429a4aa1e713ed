// `--live` with the AWS SDK's real IAM client and paginator, its HTTP handler stubbed: the stub
// answers GetAccountAuthorizationDetails as IAM's query API does (XML, documents URL-encoded,
// IsTruncated and Marker between pages), so no network is used and the SDK's own parsing runs.

import * as assert from "node:assert/strict";
import { Readable } from "node:stream";
import { IAMClient } from "@aws-sdk/client-iam";
import { readLiveAccount } from "../../tools/scan/live";
import { runScan } from "../../tools/scan";
import { GITHUB } from "./helpers";

const ACCOUNT = "777777777777";

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function roleMember(name: string, sub: string, operator = "StringEquals"): string {
    const trust = {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" }, [operator]: { [`${GITHUB}:sub`]: sub } },
            },
        ],
    };
    const inline = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-artifacts/*" }] };
    return `<member>
        <Path>/</Path><RoleName>${name}</RoleName><RoleId>AROA${name.toUpperCase().replace(/-/g, "")}</RoleId>
        <Arn>arn:aws:iam::${ACCOUNT}:role/${name}</Arn><CreateDate>2025-03-02T10:00:00Z</CreateDate>
        <AssumeRolePolicyDocument>${xml(encodeURIComponent(JSON.stringify(trust)))}</AssumeRolePolicyDocument>
        <InstanceProfileList/>
        <RolePolicyList><member><PolicyName>read</PolicyName><PolicyDocument>${xml(encodeURIComponent(JSON.stringify(inline)))}</PolicyDocument></member></RolePolicyList>
        <AttachedManagedPolicies/>
        <Tags><member><Key>team</Key><Value>platform</Value></member></Tags>
      </member>`;
}

function page(roles: string[], marker?: string): string {
    return `<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountAuthorizationDetailsResult>
    <IsTruncated>${marker !== undefined}</IsTruncated>
    ${marker !== undefined ? `<Marker>${marker}</Marker>` : ""}
    <UserDetailList/>
    <GroupDetailList/>
    <RoleDetailList>${roles.join("")}</RoleDetailList>
    <Policies/>
  </GetAccountAuthorizationDetailsResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>`;
}

/** An IAM client whose HTTP handler answers from `pages` (by the Marker the request sends) and records each request body. */
function stubbedClient(pages: Record<string, string>, status = 200): { client: IAMClient; requests: URLSearchParams[] } {
    const requests: URLSearchParams[] = [];
    const client = new IAMClient({
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
        maxAttempts: 1,
        requestHandler: {
            handle: async (request: { body?: unknown }) => {
                const body = new URLSearchParams(String(request.body ?? ""));
                requests.push(body);
                const answer = pages[body.get("Marker") ?? ""];
                return {
                    response: {
                        statusCode: answer === undefined ? 400 : status,
                        headers: { "content-type": "text/xml" },
                        body: Readable.from([Buffer.from(answer ?? "<ErrorResponse><Error><Code>InvalidInput</Code><Message>bad marker</Message></Error></ErrorResponse>")]),
                    },
                };
            },
        },
    });
    return { client, requests };
}

describe("npm run scan --live", () => {
    it("reads every page with the SDK's paginator, passing each Marker on, and judges the roles as a dump", async () => {
        const { client, requests } = stubbedClient({
            "": page([roleMember("deploy-main", "repo:acme/api:ref:refs/heads/main")], "page-2"),
            "page-2": page([roleMember("deploy-any", "repo:acme/*", "StringLike")], "page-3"),
            "page-3": page([]),
        });
        const progress: string[] = [];
        const dump = await readLiveAccount({ client, progress: (line) => progress.push(line), pageSize: 1 });
        assert.deepEqual(requests.map((r) => [r.get("Action"), r.get("Marker"), r.get("MaxItems")]), [
            ["GetAccountAuthorizationDetails", null, "1"],
            ["GetAccountAuthorizationDetails", "page-2", "1"],
            ["GetAccountAuthorizationDetails", "page-3", "1"],
        ]);
        assert.equal(dump.source, `live:${ACCOUNT}`);
        assert.deepEqual(dump.roles.map((r) => [r.name, r.tags.team]), [["deploy-main", "platform"], ["deploy-any", "platform"]]);
        assert.deepEqual(dump.roles[0].inlinePolicies[0].document, { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-artifacts/*" }] });
        assert.equal(progress.length, 4, "a line per page and a last one");
        assert.match(progress[3], /read 2 roles of account 777777777777 in 3 pages/);
    });

    it("through the CLI: findings of the live account, progress apart from the report", async () => {
        const { client } = stubbedClient({ "": page([roleMember("deploy-any", "repo:acme/*", "StringLike")]) });
        const progress: string[] = [];
        const run = await runScan(["--live", "--format", "json"], (options) => readLiveAccount({ ...options, client }), (line) => progress.push(line));
        assert.equal(run.exitCode, 1);
        const report = JSON.parse(run.stdout) as { roles: { name: string; findings: { policy: string }[] }[] };
        assert.deepEqual(report.roles.map((r) => [r.name, r.findings.map((f) => f.policy)]), [["deploy-any", ["github-oidc-trust-pins-repository"]]]);
        assert.ok(progress.length > 0);
    });

    it("an IAM error (AccessDenied) exits 2 with IAM's message, no stack trace", async () => {
        const denied = `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: iam:GetAccountAuthorizationDetails</Message></Error><RequestId>1</RequestId></ErrorResponse>`;
        const { client } = stubbedClient({ "": denied }, 403);
        const run = await runScan(["--live"], (options) => readLiveAccount({ ...options, client }));
        assert.equal(run.exitCode, 2);
        assert.match(run.stderr, /^scan: AccessDenied: User: .* is not authorized to perform: iam:GetAccountAuthorizationDetails\n$/);
    });
});
