import * as assert from "node:assert/strict";
import { ecsStatements, lambdaStatements, Statement, staticSiteStatements } from "../../components/presets";

const scope = { partition: "aws" as const, region: "eu-west-1", accountId: "111111111111" };
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const resourcesOf = (statements: Statement[]) => statements.flatMap((statement) => list(statement.Resource));
const statementFor = (statements: Statement[], action: string) =>
    statements.find((statement) => list(statement.Action).includes(action));

describe("deployment presets", () => {
    const ecs = ecsStatements(
        {
            cluster: "orders",
            services: ["api"],
            ecrRepositories: ["team/api"],
            taskRoleArns: ["arn:aws:iam::111111111111:role/api-task", "arn:aws:iam::111111111111:role/api-exec"],
        },
        scope,
    );

    it("ECS: pushes only to the named ECR repositories", () => {
        assert.deepEqual(list(statementFor(ecs, "ecr:PutImage")!.Resource), ["arn:aws:ecr:eu-west-1:111111111111:repository/team/api"]);
    });

    it("ECS: updates only the named services of the named cluster", () => {
        assert.deepEqual(list(statementFor(ecs, "ecs:UpdateService")!.Resource), [
            "arn:aws:ecs:eu-west-1:111111111111:service/orders/api",
        ]);
    });

    it("ECS: passes only the named task roles, and only to ECS tasks", () => {
        const passRole = statementFor(ecs, "iam:PassRole")!;
        assert.deepEqual(list(passRole.Resource), ["arn:aws:iam::111111111111:role/api-task", "arn:aws:iam::111111111111:role/api-exec"]);
        assert.deepEqual(passRole.Condition, { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
    });

    it("ECS: uses * only for the actions AWS cannot scope", () => {
        const wildcard = ecs.filter((statement) => list(statement.Resource).includes("*")).flatMap((statement) => list(statement.Action));
        assert.deepEqual(wildcard.sort(), ["ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]);
    });

    it("Lambda: updates and publishes only the named functions", () => {
        const lambda = lambdaStatements({ functions: ["billing"] }, scope);
        assert.deepEqual(resourcesOf(lambda), [
            "arn:aws:lambda:eu-west-1:111111111111:function:billing",
            "arn:aws:lambda:eu-west-1:111111111111:function:billing:*",
        ]);
        assert.ok(statementFor(lambda, "lambda:UpdateFunctionCode") && statementFor(lambda, "lambda:PublishVersion"));
    });

    it("static site: writes only into the named bucket and invalidates only the named distribution", () => {
        const site = staticSiteStatements({ bucket: "www-acme", distributionId: "E2QWRUHEXAMPLE" }, scope);
        assert.deepEqual(resourcesOf(site).sort(), [
            "arn:aws:cloudfront::111111111111:distribution/E2QWRUHEXAMPLE",
            "arn:aws:s3:::www-acme",
            "arn:aws:s3:::www-acme/*",
        ]);
    });

    it("writes ARNs in the stack's partition", () => {
        const gov = lambdaStatements({ functions: ["f"] }, { ...scope, partition: "aws-us-gov", region: "us-gov-west-1" });
        assert.ok(resourcesOf(gov).every((arn) => arn.startsWith("arn:aws-us-gov:lambda:us-gov-west-1:")));
    });
});
