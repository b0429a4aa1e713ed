// `npm run bench:scan [-- <roles>]`: generates an account dump of that many roles (default 10,000),
// in the AWS CLI's shape, with the mix a brownfield account has (exact GitHub trusts, wildcard ones,
// service roles, inline policies, shared customer-managed and AWS-managed attachments), then times
// reading it and judging every role, and each output form, and prints the peak memory. Figures only:
// no test asserts a time.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { readDump } from "../scan/dump";
import { scanDumps } from "../scan/judge";
import { loadPackConfig } from "../scan/packPolicies";
import { FORMATS, render } from "../scan/report";

const ACCOUNT = "123456789012";
const GITHUB = "token.actions.githubusercontent.com";

function generate(count: number): Record<string, unknown> {
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;
    const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });
    const policies = Array.from({ length: 50 }, (_, i) => ({
        PolicyName: `shared-${i}`,
        Arn: `arn:aws:iam::${ACCOUNT}:policy/shared-${i}`,
        Path: "/",
        DefaultVersionId: "v2",
        PolicyVersionList: [
            { VersionId: "v1", IsDefaultVersion: false, Document: doc({ Effect: "Allow", Action: "*", Resource: "*" }) },
            { VersionId: "v2", IsDefaultVersion: true, Document: doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `arn:aws:s3:::bucket-${i}/*` }) },
        ],
    }));
    const roles = Array.from({ length: count }, (_, i) => {
        const kind = i % 5;
        const sub =
            kind === 0 ? `repo:acme/repo-${i}:environment:production` : kind === 1 ? `repo:acme@1/repo-${i}@${1000 + i}:ref:refs/heads/main` : kind === 2 ? `repo:acme/repo-${i}:*` : undefined;
        const trust =
            sub === undefined
                ? doc({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" })
                : doc({
                      Effect: "Allow",
                      Principal: { Federated: provider },
                      Action: "sts:AssumeRoleWithWebIdentity",
                      Condition: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" }, [kind === 2 ? "StringLike" : "StringEquals"]: { [`${GITHUB}:sub`]: sub } },
                  });
        return {
            Path: "/",
            RoleName: `role-${i}`,
            RoleId: `AROA${i}`,
            Arn: `arn:aws:iam::${ACCOUNT}:role/role-${i}`,
            CreateDate: "2025-01-01T00:00:00+00:00",
            AssumeRolePolicyDocument: trust,
            InstanceProfileList: [],
            RolePolicyList: [
                {
                    PolicyName: "deploy",
                    PolicyDocument: doc(
                        { Effect: "Allow", Action: ["lambda:UpdateFunctionCode", "lambda:PublishVersion"], Resource: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:fn-${i}` },
                        ...(i % 7 === 0 ? [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }] : []),
                    ),
                },
            ],
            AttachedManagedPolicies: [
                { PolicyName: `shared-${i % 50}`, PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/shared-${i % 50}` },
                ...(i % 97 === 0 ? [{ PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }] : []),
            ],
            Tags: [],
        };
    });
    return { UserDetailList: [], GroupDetailList: [], RoleDetailList: roles, Policies: policies };
}

function main(): void {
    const count = Number(process.argv[2] ?? 10_000);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keyless-scan-bench-")), "account.json");
    fs.writeFileSync(file, JSON.stringify(generate(count), null, 4));
    const size = fs.statSync(file).size;
    const config = loadPackConfig(undefined);
    const started = performance.now();
    const text = fs.readFileSync(file, "utf8");
    const dump = readDump(file, JSON.parse(text), text);
    const read = performance.now();
    const result = scanDumps([dump], { config });
    const judged = performance.now();
    const findings = result.roles.reduce((sum, role) => sum + role.findings.length, 0);
    console.log(`${count} roles (${(size / 1e6).toFixed(1)} MB dump): read ${((read - started) / 1000).toFixed(2)} s, judged ${((judged - read) / 1000).toFixed(2)} s, ${findings} findings`);
    for (const format of FORMATS) {
        const before = performance.now();
        const output = render(result, format);
        console.log(`  --format ${format}: ${((performance.now() - before) / 1000).toFixed(2)} s, ${(output.length / 1e6).toFixed(1)} MB`);
    }
    console.log(`peak memory (max RSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

main();
