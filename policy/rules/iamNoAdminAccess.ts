import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { quote } from "../analysis/document";
import { checkManagedPolicyArn } from "../analysis/managedPolicies";
import { analyzePermissionPolicy } from "../analysis/permissions";
import { AdminOptions } from "../analysis/types";
import { readStringList, stringListSetting } from "../wiring/config";
import { Evaluation, evaluate, isUnknownValueError, read } from "../wiring/evaluation";
import {
    MANAGED_POLICY_RESOURCES,
    PERMISSION_DOCUMENT_TYPES,
    permissionDocumentSites,
    POLICY_ARN_TYPES,
    policyArnProperty,
    policyArnSites,
} from "../wiring/resourceTypes";

const NAME = "iam-no-admin-access";
const FAIL_CLOSED = "a policy document keyless cannot read is treated as granting admin access (fail closed)";

function adminOptions(config: object): AdminOptions {
    return { additionalAdminPolicies: readStringList(config, "additionalAdminPolicies", []) };
}

/** Admin grants in a permission document, reported under `path`. */
function judgeDocument(evaluation: Evaluation, path: string, document: unknown): void {
    const analysis = analyzePermissionPolicy(document);
    for (const finding of analysis.findings.filter((f) => f.policy === NAME)) {
        evaluation.violation(`${path} ${finding.location}: ${finding.message}`);
    }
    evaluation.unresolved(path, analysis.unresolved, FAIL_CLOSED);
}

/**
 * Attachments in the stack that reference a managed policy of the same stack (through a property
 * dependency, or by its ARN once known) whose document grants admin access. The policy's own document
 * is also judged where it is declared; this names the principal that receives it.
 */
function judgeAttachmentsByReference(evaluation: Evaluation, resources: readonly PolicyResource[]): void {
    const managedPolicies = resources.filter((r) => MANAGED_POLICY_RESOURCES[r.type] !== undefined);
    if (managedPolicies.length === 0) {
        return;
    }
    const byArn = new Map<string, PolicyResource>();
    for (const policy of managedPolicies) {
        const arn = read(() => policy.props[MANAGED_POLICY_RESOURCES[policy.type].arn] as unknown);
        if (arn.ok && typeof arn.value === "string") {
            byArn.set(arn.value, policy);
        }
    }
    const verdicts = new Map<string, string[] | "unknown">();
    const adminGrantsOf = (policy: PolicyResource): string[] | "unknown" => {
        const cached = verdicts.get(policy.urn);
        if (cached !== undefined) {
            return cached;
        }
        const property = MANAGED_POLICY_RESOURCES[policy.type].document;
        const document = read(() => policy.props[property] as unknown);
        let verdict: string[] | "unknown" = [];
        if (!document.ok) {
            // Unreadable for another reason: the policy's own check already fails closed on it.
            evaluation.waitForUnknowns(policy.name, [{ path: property, cause: document.error }]);
            verdict = isUnknownValueError(document.error) ? "unknown" : [];
        } else {
            const analysis = analyzePermissionPolicy(document.value);
            verdict = analysis.findings
                .filter((f) => f.policy === NAME && !f.failClosed)
                .map((f) => `${property} ${f.location}: ${f.message}`);
            evaluation.waitForUnknowns(`${policy.name} ${property}`, analysis.unresolved);
        }
        verdicts.set(policy.urn, verdict);
        return verdict;
    };
    for (const resource of resources) {
        const property = policyArnProperty(resource.type);
        if (property === undefined) {
            continue;
        }
        const referenced = new Set<PolicyResource>(
            (resource.propertyDependencies[property] ?? []).filter((d) => MANAGED_POLICY_RESOURCES[d.type] !== undefined),
        );
        for (const site of policyArnSites(resource.type, resource.props)) {
            if (site.value.ok && typeof site.value.value === "string") {
                const policy = byArn.get(site.value.value);
                if (policy !== undefined) {
                    referenced.add(policy);
                }
            }
        }
        for (const policy of referenced) {
            const grants = adminGrantsOf(policy);
            if (grants === "unknown") {
                continue;
            }
            for (const grant of grants) {
                evaluation.violation(
                    `${property} attaches ${policy.type} "${policy.name}" of this stack, whose ${grant}`,
                    resource.urn,
                );
            }
        }
    }
}

export const iamNoAdminAccess: ResourceValidationPolicy & Pick<StackValidationPolicy, "validateStack"> = {
    name: NAME,
    description:
        "No principal may get admin access: no AWS-managed AdministratorAccess or admin-equivalent policy " +
        "(IAMFullAccess, plus additionalAdminPolicies) in any partition by any attachment route, and no policy " +
        "document (inline, a managed policy of the stack attached by reference, or aws-native) that allows every " +
        "action, or all of IAM, on every resource. A customer-managed policy that only shares the name is judged by its document.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            additionalAdminPolicies: stringListSetting(
                "Names of further AWS-managed policies to treat as admin-equivalent (AdministratorAccess and IAMFullAccess always are).",
                [],
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (!PERMISSION_DOCUMENT_TYPES.has(args.type) && !POLICY_ARN_TYPES.has(args.type)) {
            args.notApplicable("only IAM policies, principals and policy attachments can grant admin access");
        }
        evaluate(reportViolation, (evaluation) => {
            const options = adminOptions(args.getConfig());
            for (const site of permissionDocumentSites(args.type, args.props)) {
                if (site.value.ok) {
                    judgeDocument(evaluation, site.path, site.value.value);
                } else {
                    evaluation.unreadable(site.path, site.value.error, FAIL_CLOSED);
                }
            }
            for (const site of policyArnSites(args.type, args.props)) {
                if (!site.value.ok) {
                    evaluation.unreadable(site.path, site.value.error, "an attachment keyless cannot read is treated as attaching admin access (fail closed)");
                    continue;
                }
                const arn = site.value.value;
                const finding = typeof arn === "string" ? checkManagedPolicyArn(arn, options) : undefined;
                if (finding !== undefined) {
                    evaluation.violation(`${site.path} ${quote(arn)}: ${finding.message}`);
                }
            }
        });
    },
    validateStack: (args, reportViolation) => {
        // Only attachments by reference to a managed policy of the same stack need the stack; everything a
        // single resource shows (as audit policy groups see it in a cloud account) is decided by validateResource.
        if (!args.resources.some((r) => MANAGED_POLICY_RESOURCES[r.type] !== undefined)) {
            args.notApplicable("this stack declares no managed policy that an attachment could reference");
        }
        evaluate(reportViolation, (evaluation) => judgeAttachmentsByReference(evaluation, args.resources));
    },
};
