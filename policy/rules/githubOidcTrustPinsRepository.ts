import { ResourceValidationPolicy } from "@pulumi/policy";
import { analyzeTrustPolicy } from "../analysis/trust";
import { readStringList, stringListSetting } from "../wiring/config";
import { evaluate } from "../wiring/evaluation";
import { TRUST_POLICY_TYPES, trustPolicySite } from "../wiring/resourceTypes";

const FAIL_CLOSED = "a trust policy keyless cannot read is treated as trusting anyone (fail closed)";

export const githubOidcTrustPinsRepository: ResourceValidationPolicy = {
    name: "github-oidc-trust-pins-repository",
    description:
        "A role that GitHub Actions can assume through OIDC must pin one repository exactly: every Allow statement " +
        "for GitHub's issuer needs a `sub` condition with StringEquals (or StringLike without wildcards) on " +
        "repo:OWNER/REPO:... and an `aud` that accepts only the configured audiences (by default STS's). Wildcards, ForAllValues:, ...IfExists and negated operators let " +
        "other repositories, branches or pull requests mint credentials for the role.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            allowedOwners: stringListSetting(
                "GitHub owners (organisations or users) a trust may name, matched case-insensitively in the legacy and the immutable subject form. Empty means any owner.",
                [],
            ),
            allowedAudiences: stringListSetting(
                "The only aud values a trust may accept, compared exactly (values under one key are OR-ed, so each must be one of these). " +
                    "Empty means STS's audience for the provider's partition: sts.amazonaws.com, or sts.amazonaws.com.cn in the China partitions.",
                [],
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (!TRUST_POLICY_TYPES.has(args.type)) {
            args.notApplicable("only IAM roles carry trust policies");
        }
        evaluate(reportViolation, (evaluation) => {
            const allowedOwners = readStringList(args.getConfig(), "allowedOwners", []);
            const allowedAudiences = readStringList(args.getConfig(), "allowedAudiences", []);
            const site = trustPolicySite(args.type, args.props);
            if (site === undefined) {
                return;
            }
            if (!site.value.ok) {
                evaluation.unreadable(site.path, site.value.error, FAIL_CLOSED);
                return;
            }
            if (site.value.value === undefined || site.value.value === null) {
                evaluation.violation(`${site.path} is missing; ${FAIL_CLOSED}.`);
                return;
            }
            const analysis = analyzeTrustPolicy(site.value.value, { allowedOwners, allowedAudiences });
            for (const finding of analysis.findings) {
                evaluation.violation(`${site.path} ${finding.location}: ${finding.message}`);
            }
            evaluation.unresolved(site.path, analysis.unresolved, FAIL_CLOSED);
        });
    },
};
