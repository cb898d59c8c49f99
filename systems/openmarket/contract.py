"""What OpenMarket's application (document 003) expects from the infrastructure (see modules/contract.py).
Its containers run on EKS (Kubernetes manifests are the app team's); the contract covers the functions."""

from modules.contract import Contract, Delivery, Deviation, Function, Variable

RUNTIME = "nodejs22.x"
DATA = (Variable("DATABASE_HOST"), Variable("DATABASE_READER_HOST"), Variable("DATABASE_PORT", "3306"),
        Variable("DATABASE_SECRET_ARN"), Variable("REDIS_HOST"), Variable("REDIS_PORT", "6379"),
        Variable("REDIS_TLS", "true"), Variable("REDIS_AUTH_SECRET_ARN"))
"""What the two data functions are told (run in the private subnets; the secrets are read at run time by ARN)."""

CONTRACT = Contract(
    system="openmarket", document="003",
    functions=(
        Function(name="image-processor", handler="index.handler", runtime=RUNTIME, architecture="arm64",
                 variables=(Variable("UPLOADS_BUCKET"), Variable("IMAGE_PREFIX", "images/"))),
        Function(name="order-notification", handler="index.handler", runtime=RUNTIME, architecture="arm64"),
        Function(name="report-generator", handler="index.handler", runtime=RUNTIME, architecture="arm64",
                 schedule="cron(0 0 * * ? *) Asia/Seoul", schedule_in=(("dev", "cron(30 9 ? * MON-FRI *) Asia/Seoul"),),
                 variables=(Variable("UPLOADS_BUCKET"), Variable("REPORTS_PREFIX", "reports/"), *DATA)),
        Function(name="data-sync", handler="index.handler", runtime=RUNTIME, architecture="arm64",
                 schedule="rate(1 hour)", schedule_in=(("dev", "cron(30 9-17 ? * MON-FRI *) Asia/Seoul"),),
                 variables=DATA),
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
        Deviation("VPC CIDR", "10.0.0.0/16 in every environment", "10.10 (dev), 10.20 (staging), 10.30 (prod) /16",
                  "environments that share an account or a VPN must not overlap: peering, Transit Gateway and a "
                  "route from the office need distinct ranges"),
        Deviation("image repositories", "`openmarket/backend`, `openmarket/frontend-web`",
                  "`openmarket/backend-{env}`, `openmarket/frontend-web-{env}`",
                  "repository names are unique per account and region: the environments may share one account"),
        Deviation("dev schedules", "report daily at 00:00, sync hourly",
                  "weekdays 09:30 (report) and hourly 09:30-17:30 (sync), Asia/Seoul, in dev only",
                  "dev's Aurora runs only 09:00-18:00 on weekdays (the document's optimisation): "
                  "no function fires at a stopped database"),
        Deviation("uploads archive", "Glacier at 90 days", "Glacier Instant Retrieval at 90 days",
                  "an old product image still loads in milliseconds; Flexible Retrieval would take hours"),
    ),
)
