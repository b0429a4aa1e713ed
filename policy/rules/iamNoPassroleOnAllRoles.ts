import { ResourceValidationPolicy } from "@pulumi/policy";
import { analyzePermissionPolicy } from "../analysis/permissions";
import { evaluate } from "../wiring/evaluation";
import { PERMISSION_DOCUMENT_TYPES, permissionDocumentSites } from "../wiring/resourceTypes";

const NAME = "iam-no-passrole-on-all-roles";
const FAIL_CLOSED = "a policy document keyless cannot read is treated as granting iam:PassRole on every role (fail closed)";

export const iamNoPassroleOnAllRoles: ResourceValidationPolicy = {
    name: NAME,
    description:
        "No policy may allow iam:PassRole on every role (Resource \"*\", arn:aws:iam::*:role/*, arn:*:iam::*:*, " +
        "role/* of an account, or NotResource), however the action is written (any case, iam:Pass*, iam:*, *, " +
        "NotAction), unless an unconditional Deny covers it. Whoever can pass any role can hand an admin role to a " +
        "service it controls; iam:PassedToService only limits which service receives it.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        if (!PERMISSION_DOCUMENT_TYPES.has(args.type)) {
            args.notApplicable("only IAM policies and principals with inline policies carry permission documents");
        }
        evaluate(reportViolation, (evaluation) => {
            for (const site of permissionDocumentSites(args.type, args.props)) {
                if (!site.value.ok) {
                    evaluation.unreadable(site.path, site.value.error, FAIL_CLOSED);
                    continue;
                }
                const analysis = analyzePermissionPolicy(site.value.value);
                for (const finding of analysis.findings.filter((f) => f.policy === NAME)) {
                    evaluation.violation(`${site.path} ${finding.location}: ${finding.message}`);
                }
                evaluation.unresolved(site.path, analysis.unresolved, FAIL_CLOSED);
            }
        });
    },
};
