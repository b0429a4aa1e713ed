import * as pulumi from "@pulumi/pulumi";
import { OpenIdConnectProvider } from "@pulumi/aws/iam/openIdConnectProvider";
import { KeylessConfigError } from "./configReader";
import { parseArn, stackRolePath } from "./names";
import { issuerHost } from "./subjects";

export interface GithubOidcProviderArgs {
    /**
     * Slug of a GitHub Enterprise Cloud enterprise whose custom issuer
     * (`https://token.actions.githubusercontent.com/<slug>`) is enabled. Changes the provider URL
     * and the prefix of every condition key. Defaults to github.com's issuer.
     */
    readonly enterpriseSlug?: string;
    /**
     * ARN of a provider the account already has for this issuer. When set, nothing is created
     * and the ARN is used as given: an account holds one provider per issuer, so the second
     * stack in an account must adopt the first one's. Defaults to creating the provider.
     */
    readonly existingProviderArn?: string;
    /**
     * Client IDs (audiences) the provider accepts. Defaults to `["sts.amazonaws.com"]`, what
     * aws-actions/configure-aws-credentials requests.
     */
    readonly clientIds?: readonly string[];
    /** Tags for a created provider. */
    readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The IAM OpenID Connect provider for GitHub Actions' token issuer, created or adopted.
 * No thumbprints: for GitHub's issuer IAM validates the certificate against its own trusted
 * CAs and ignores any configured thumbprint.
 */
export class GithubOidcProvider extends pulumi.ComponentResource {
    /** ARN to put in a trust policy's `Principal.Federated`. */
    public readonly arn: pulumi.Output<string>;
    /** Issuer host: the provider URL without scheme and the condition-key prefix. */
    public readonly issuerHost: string;
    /** Whether this stack created (and owns) the provider. */
    public readonly created: boolean;

    constructor(name: string, args: GithubOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = GithubOidcProvider.validate(args);
        if (problems.length > 0) throw new KeylessConfigError(problems, `invalid arguments for GithubOidcProvider ${name}`);
        super("keyless:aws:GithubOidcProvider", name, {}, opts);

        this.issuerHost = issuerHost(args.enterpriseSlug);
        this.created = args.existingProviderArn === undefined;
        if (args.existingProviderArn !== undefined) {
            // A known string, so trust policies built on it are checked by the pack at preview.
            this.arn = pulumi.output(args.existingProviderArn);
        } else {
            const provider = new OpenIdConnectProvider(
                name,
                {
                    url: `https://${this.issuerHost}`,
                    clientIdLists: [...(args.clientIds ?? ["sts.amazonaws.com"])],
                    tags: args.tags ? { ...args.tags } : undefined,
                },
                { parent: this },
            );
            this.arn = provider.arn;
        }
        this.registerOutputs({ arn: this.arn, issuerHost: this.issuerHost, created: this.created });
    }

    /** Problems with the arguments, checked before anything is registered. */
    static validate(args: GithubOidcProviderArgs): string[] {
        const problems: string[] = [];
        if (args.enterpriseSlug !== undefined && !/^[a-z0-9][a-z0-9-]{0,99}$/.test(args.enterpriseSlug)) {
            problems.push(`enterpriseSlug: ${JSON.stringify(args.enterpriseSlug)} is not an enterprise slug`);
        }
        if (args.existingProviderArn !== undefined) {
            const arn = parseArn(args.existingProviderArn);
            const expected = `oidc-provider/${issuerHost(args.enterpriseSlug)}`;
            if (!arn || arn.service !== "iam" || arn.resource !== expected) {
                problems.push(
                    `existingProviderArn: ${JSON.stringify(args.existingProviderArn)} is not the ARN of the ` +
                        `provider for ${issuerHost(args.enterpriseSlug)} (arn:aws:iam::<account>:${expected})`,
                );
            }
        }
        if (args.clientIds !== undefined && args.clientIds.length === 0) {
            problems.push("clientIds: empty; GitHub's tokens would match no audience");
        }
        return problems;
    }
}

/** The tag a created provider carries: the stack that created it (and owns it). */
export const PROVIDER_STACK_TAG = "keyless:stack";

/** What `getOpenIdConnectProvider` by URL found in the stack's account, if anything. */
export interface FoundProvider {
    readonly arn: string;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * Whether this stack may create (or keep) GitHub's provider in its account. IAM holds one OIDC
 * provider per issuer URL and account: CreateOpenIDConnectProvider answers EntityAlreadyExists
 * for a second (IAM API reference, CreateOpenIDConnectProvider, Errors). A provider tagged with
 * this stack is its own (it created it); any other must be adopted with keyless:oidcProviderArn.
 * Returns the problem to report, naming the key and the ARN to put there, or undefined.
 */
export function existingProviderProblem(stack: string, accountId: string, issuerHost: string, found: FoundProvider | undefined): string | undefined {
    if (found === undefined) return undefined;
    const owner = found.tags[PROVIDER_STACK_TAG];
    if (owner === stack) return undefined;
    return (
        `keyless:oidcProviderArn: account ${accountId} already holds the OIDC provider for https://${issuerHost} ` +
        `(${found.arn}, ${owner === undefined ? "not created by a keyless stack" : `created by keyless stack ${owner}`}); IAM holds one per issuer ` +
        `and account, so this stack cannot create another (EntityAlreadyExists): set keyless:oidcProviderArn to ${found.arn} to adopt it` +
        (owner === undefined
            ? ""
            : `; stack ${owner} shares the account, so give this stack a role path and a boundary of its own too (keyless:rolePath ` +
              `${stackRolePath("/github-actions/", stack)} and a boundary named for ${stack}): \`npm run new-stack\` writes all three`)
    );
}
