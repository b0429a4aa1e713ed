// Entry point the Pulumi CLI runs (through main.js): serves the keyless guardrails over gRPC.

import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("keyless-guardrails", {
    policies,
    enforcementLevel: "mandatory",
    displayName: "keyless guardrails",
    description:
        "Blocks GitHub OIDC trusts that do not pin one repository exactly, iam:PassRole on every role, admin " +
        "attachments, and roles trusting GitHub environments nobody protected. Decided by IAM's evaluation rules.",
    provider: "aws",
    tags: ["aws", "iam", "github", "oidc"],
});
