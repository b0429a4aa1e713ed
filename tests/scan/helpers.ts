// Dumps of the documented GetAccountAuthorizationDetails shape, built for the scan's tests.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const FIXTURES = path.resolve(__dirname, "../fixtures/iam-dumps");
export const fixture = (name: string): string => path.join(FIXTURES, name);

export type Json = Record<string, unknown>;

export function readFixture(name: string): Json {
    return JSON.parse(fs.readFileSync(fixture(name), "utf8")) as Json;
}

/** The raw API's form of a dump: every policy document as URL-encoded JSON text (RFC 3986). */
export function urlEncoded(dump: Json): Json {
    const encode = (document: unknown): string => encodeURIComponent(JSON.stringify(document));
    const copy = structuredClone(dump) as { RoleDetailList?: Json[]; Policies?: Json[] };
    for (const role of copy.RoleDetailList ?? []) {
        role.AssumeRolePolicyDocument = encode(role.AssumeRolePolicyDocument);
        for (const policy of (role.RolePolicyList as Json[] | undefined) ?? []) {
            policy.PolicyDocument = encode(policy.PolicyDocument);
        }
    }
    for (const policy of copy.Policies ?? []) {
        for (const version of (policy.PolicyVersionList as Json[] | undefined) ?? []) {
            version.Document = encode(version.Document);
        }
    }
    return copy as Json;
}

/** Writes dumps into a fresh temporary folder; returns their paths. */
export function writeDumps(files: Record<string, unknown>): { dir: string; paths: Record<string, string> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-scan-"));
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
        paths[name] = path.join(dir, name);
        fs.writeFileSync(paths[name], typeof content === "string" ? content : JSON.stringify(content, null, 4));
    }
    return { dir, paths };
}

export const GITHUB = "token.actions.githubusercontent.com";

/** A RoleDetail as the AWS CLI prints it (documents decoded). */
export function roleDetail(account: string, name: string, trust: unknown, options: { inline?: Record<string, unknown>; attached?: string[]; path?: string; partition?: string } = {}): Json {
    const rolePath = options.path ?? "/";
    return {
        Path: rolePath,
        RoleName: name,
        RoleId: `AROA${name.toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 12)}`,
        Arn: `arn:${options.partition ?? "aws"}:iam::${account}:role${rolePath}${name}`,
        CreateDate: "2025-03-02T10:00:00+00:00",
        AssumeRolePolicyDocument: trust,
        InstanceProfileList: [],
        RolePolicyList: Object.entries(options.inline ?? {}).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument })),
        AttachedManagedPolicies: (options.attached ?? []).map((PolicyArn) => ({ PolicyName: PolicyArn.split("/").pop(), PolicyArn })),
        Tags: [],
        RoleLastUsed: {},
    };
}

export function dumpOf(roles: Json[], policies: Json[] = []): Json {
    return { UserDetailList: [], GroupDetailList: [], RoleDetailList: roles, Policies: policies };
}
