// `npm run bootstrap-boundary -- <stack>`: prints the permissions boundary a keyless stack's roles
// carry (components/permissionsBoundary.ts) and the AWS CLI commands that create it. Run once per
// account by an IAM administrator before the first `pulumi up`; keyless's own role can read the
// boundary but never change it, so the program does not manage it. The boundary names keyless's own
// deploy role: only it may change roles, and nothing that carries the boundary may change it.
//
// Exit codes: 0 printed; 1 the stack's config is refused or the document would not be accepted;
// 2 bad arguments or an unreadable stack file.

import * as path from "path";
import { checkPermissionPolicy } from "../policy/analysis";
import { loadStackConfig } from "../components/config";
import { KeylessConfigError } from "../components/configReader";
import { parseArn } from "../components/names";
import { boundaryArgsForStack, MANAGED_POLICY_MAX_CHARS, managedPolicySize, permissionsBoundaryDocument } from "../components/permissionsBoundary";
import { readStackConfig, StackFileError } from "./stackFiles";

const USAGE = `usage: npm run bootstrap-boundary -- <stack> [--program <dir>] [--format text|json]

Prints the permissions boundary of the stack's roles (keyless:permissionsBoundaryArn) and the
aws iam commands that create it, or with --format json the policy document alone.`;

export function bootstrapBoundary(argv: readonly string[]): { code: number; stdout: string; stderr: string } {
    let stack: string | undefined;
    let programDir = path.resolve(__dirname, "..");
    let format = "text";
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        if (argument === "--program" || argument === "--format") {
            const next = argv[++index];
            if (next === undefined) return { code: 2, stdout: "", stderr: `${argument} needs a value\n${USAGE}\n` };
            if (argument === "--program") programDir = path.resolve(next);
            else if (next === "text" || next === "json") format = next;
            else return { code: 2, stdout: "", stderr: `--format must be text or json, not ${JSON.stringify(next)}\n` };
        } else if (argument === "-h" || argument === "--help") {
            return { code: 0, stdout: `${USAGE}\n`, stderr: "" };
        } else if (argument.startsWith("-") || stack !== undefined) {
            return { code: 2, stdout: "", stderr: `unexpected argument ${JSON.stringify(argument)}\n${USAGE}\n` };
        } else {
            stack = argument;
        }
    }
    if (stack === undefined) return { code: 2, stdout: "", stderr: `${USAGE}\n` };

    let config;
    try {
        const file = readStackConfig(programDir, stack);
        config = loadStackConfig({ stack, values: file.values, secretKeys: new Set(file.secretKeys) });
    } catch (error) {
        if (error instanceof StackFileError) return { code: 2, stdout: "", stderr: `${error.message}\n` };
        if (error instanceof KeylessConfigError) return { code: 1, stdout: "", stderr: `${error.message}\n` };
        throw error;
    }
    const args = boundaryArgsForStack(config);
    if ("problem" in args) return { code: 1, stdout: "", stderr: `${args.problem}\n` };
    const document = permissionsBoundaryDocument(args);
    const findings = checkPermissionPolicy(document);
    const size = managedPolicySize(document);
    const problems = [
        ...findings.map((f) => `the boundary would fail ${f.policy}: ${f.location}: ${f.message}`),
        ...(size > MANAGED_POLICY_MAX_CHARS
            ? [`the boundary is ${size} characters without whitespace; IAM accepts at most ${MANAGED_POLICY_MAX_CHARS} for a managed policy (name fewer ECS task roles, or put them under one path)`]
            : []),
    ];
    if (problems.length > 0) return { code: 1, stdout: "", stderr: `${problems.join("\n")}\n` };
    const json = JSON.stringify(document, null, 4);
    if (format === "json") return { code: 0, stdout: `${json}\n`, stderr: "" };

    const lines: string[] = [];
    for (const arn of args.target.permissionsBoundaryArns) {
        const parsed = parseArn(arn);
        const resource = parsed?.resource.slice("policy".length) ?? "/unknown";
        const name = resource.slice(resource.lastIndexOf("/") + 1);
        const policyPath = resource.slice(0, resource.lastIndexOf("/") + 1);
        const file = `boundary-${stack}.json`;
        lines.push(
            `# The permissions boundary ${arn}: what every role of stack ${stack} may do at most (${size} of ${MANAGED_POLICY_MAX_CHARS} characters).`,
            `# Save the document below as ${file}, then, as an IAM administrator of account ${args.target.accountId}, once:`,
            `aws iam create-policy --policy-name ${name} --path ${policyPath} --policy-document file://${file} \\`,
            `    --description "keyless: the most any GitHub Actions deploy role of stack ${stack} may do"`,
            ...(args.keylessRoleArns.length > 0
                ? [
                      `# Only keyless's own deploy role (${args.keylessRoleArns.join(", ")}) may change roles, and no role carrying`,
                      "# this boundary may change it: that role is changed by an administrator's `pulumi up` only.",
                  ]
                : []),
            `# When it changes (a new ECS task role, a new preset action, keyless's own role renamed), publish a new default version instead:`,
            `aws iam create-policy-version --policy-arn ${arn} --policy-document file://${file} --set-as-default`,
            "",
        );
    }
    return { code: 0, stdout: `${lines.join("\n")}${json}\n`, stderr: "" };
}

if (require.main === module) {
    const result = bootstrapBoundary(process.argv.slice(2));
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.code;
}
