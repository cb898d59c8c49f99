"""What Codemate's application (document 001) expects from the infrastructure (see modules/contract.py)."""

from modules.contract import Contract, Delivery, Deviation, Secret, Service, Variable

BUILD = "docker build -f Dockerfile.prod ."

CONTRACT = Contract(
    system="codemate", document="001", cluster="codemate-cluster-{env}",
    services=(
        Service(
            name="frontend", port=3000, health_path="/api/health", repository="codemate-frontend-{env}",
            ecs_service="codemate-frontend-service", build=BUILD,
            variables=(Variable("NEXTAUTH_URL", note="https://<the environment's host>, e.g. https://codemate.code1398.io"),
                       Variable("NODE_ENV", "production"), Variable("PORT", "3000")),
            secrets=(Secret("NEXTAUTH_SECRET", "nextauth"), Secret("GITHUB_ID", "github-oauth", "client_id"),
                     Secret("GITHUB_SECRET", "github-oauth", "client_secret")),
        ),
        Service(
            name="backend", port=3001, health_path="/health", repository="codemate-backend-{env}",
            ecs_service="codemate-backend-service", build=BUILD,
            variables=(Variable("DATABASE_HOST", from_="aws_db_instance"), Variable("DATABASE_PORT", "5432"),
                       Variable("DATABASE_NAME", "codemate"),
                       Variable("REDIS_HOST", from_="aws_elasticache_replication_group"), Variable("REDIS_PORT", "6379"),
                       Variable("AWS_S3_BUCKET", from_="aws_s3_bucket", note="codemate-files-{env}-<account>"),
                       Variable("AWS_REGION", "ap-northeast-2"), Variable("REDIS_TLS", "true")),
            secrets=(Secret("DATABASE_USER", "database", "username"), Secret("DATABASE_PASSWORD", "database", "password"),
                     Secret("ANTHROPIC_API_KEY", "anthropic"), Secret("NEXTAUTH_SECRET", "nextauth"),
                     Secret("REDIS_AUTH_TOKEN", "redis-auth")),
        ),
    ),
    delivery=Delivery(workflows=("CodePipeline codemate-pipeline-{env}",), identity="CodePipeline",
                      steps=("source from GitHub (develop → dev, staging, main → prod)", BUILD + " per service",
                             "push to ECR with the commit's tag", "manual approval in prod",
                             "ECS rolling deploy of each service")),
    deviations=(
        Deviation("files bucket", "`codemate-files-{env}`", "`codemate-files-{env}-<account>` in `AWS_S3_BUCKET`",
                  "S3 names are global: the account id keeps two accounts (or a squatter) from colliding"),
        Deviation("Redis", "plain `REDIS_HOST`/`REDIS_PORT`", "plus `REDIS_TLS=true` and `REDIS_AUTH_TOKEN`",
                  "encryption in transit and AUTH on the cache (security standard); the app's client must enable TLS"),
        Deviation("cluster", "`codemate-cluster`", "`codemate-cluster-{env}`",
                  "cluster names are unique per account and region: the environments may share one account"),
        Deviation("database log group", "`/aws/rds/codemate-db`",
                  "`/aws/rds/codemate-db-{env}` for the app's own database records (migrations, pool); "
                  "RDS's exports go to `/aws/rds/instance/codemate-db-{env}/{postgresql,upgrade}`",
                  "AWS fixes the export groups' names; we create them first, with the retention and the data key, "
                  "so no export lands in a group without expiry or encryption; the document's group stays for "
                  "what the application itself writes"),
    ),
)
