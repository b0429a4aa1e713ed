// `--live`: the same data as `aws iam get-account-authorization-details`, read with the AWS SDK for
// JavaScript v3 (read-only: the one action iam:GetAccountAuthorizationDetails), every page through
// the SDK's paginator (the operation pages with Marker/IsTruncated and MaxItems). The SDK returns the
// documents URL-encoded, as the raw API does; readDump decodes them. The SDK is loaded only here, so
// an offline scan does not pay for it.

import type { IAMClient } from "@aws-sdk/client-iam";
import { AccountDump, readDump } from "./dump";

export interface LiveOptions {
    /** A client to use (tests pass one with a stubbed request handler); default: the SDK's credential chain. */
    readonly client?: IAMClient;
    /** Progress lines (stderr in the CLI). */
    readonly progress?: (line: string) => void;
    /** Items per page (the API's MaxItems, at most 1000). */
    readonly pageSize?: number;
}

type Page = Record<string, unknown[] | undefined>;

const LISTS = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"] as const;

/** Reads the whole account the client's credentials belong to, as one dump. */
export async function readLiveAccount(options: LiveOptions = {}): Promise<AccountDump> {
    const sdk = await import("@aws-sdk/client-iam");
    // IAM is a global service; the SDK still needs a region to pick the partition's endpoint.
    const client = options.client ?? new sdk.IAMClient({ region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1" });
    const progress = options.progress ?? (() => undefined);
    const merged: Record<string, unknown[]> = Object.fromEntries(LISTS.map((key) => [key, []]));
    let pages = 0;
    for await (const page of sdk.paginateGetAccountAuthorizationDetails({ client, pageSize: options.pageSize ?? 1000 }, {})) {
        pages++;
        for (const key of LISTS) {
            merged[key].push(...((page as unknown as Page)[key] ?? []));
        }
        progress(`iam:GetAccountAuthorizationDetails page ${pages}: ${merged.RoleDetailList.length} roles, ${merged.Policies.length} managed policies so far`);
    }
    const accountOf = (arn: unknown) => (typeof arn === "string" ? /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1] : undefined);
    const account = merged.RoleDetailList.map((role) => accountOf((role as { Arn?: unknown }).Arn)).find((id) => id !== undefined) ?? "unknown";
    progress(`read ${merged.RoleDetailList.length} roles of account ${account} in ${pages} page${pages === 1 ? "" : "s"}`);
    return readDump(`live:${account}`, merged);
}
