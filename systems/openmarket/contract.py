"""What OpenMarket's application (document 003) expects from the infrastructure (see modules/contract.py).
Its containers run on EKS (Kubernetes manifests are the app team's); the contract covers the functions."""

from modules.contract import Contract, Delivery, Deviation, Function, Variable

RUNTIME = "nodejs22.x"

CONTRACT = Contract(
    system="openmarket", document="003",
    functions=(
        Function(name="image-processor", handler="index.handler", runtime=RUNTIME, architecture="arm64",
                 variables=(Variable("UPLOADS_BUCKET"), Variable("IMAGE_PREFIX", "images/"))),
        Function(name="order-notification", handler="index.handler", runtime=RUNTIME, architecture="arm64"),
        Function(name="report-generator", handler="index.handler", runtime=RUNTIME, architecture="arm64",
                 schedule="cron(0 0 * * ? *) Asia/Seoul",
                 variables=(Variable("UPLOADS_BUCKET"), Variable("REPORTS_PREFIX", "reports/"))),
        Function(name="data-sync", handler="index.handler", runtime=RUNTIME, architecture="arm64",
                 schedule="rate(1 hour)"),
    ),
    delivery=Delivery(
        workflows=("backend-ci", "frontend-ci", "lambda-ci"), identity="github_ci_role_arn",
        steps=("push images to ECR `openmarket/backend-{env}` and `openmarket/frontend-web-{env}`",
               "deploy to the EKS namespace `openmarket-{env}`",
               "aws lambda update-function-code of the four functions")),
    deviations=(
        Deviation("function runtime", "Node.js 18", "`nodejs22.x`",
                  "AWS no longer lets you create functions on Node.js 18"),
        Deviation("function architecture", "x86_64 (unspecified)", "`arm64`",
                  "about 20 % cheaper; Node.js code without native modules runs unchanged"),
        Deviation("EKS", "1.28", "1.35", "1.28 left extended support on 2025-11-26: AWS no longer creates it"),
    ),
)
