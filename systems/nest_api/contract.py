"""What the NestJS API (document 004) expects from the infrastructure (see modules/contract.py)."""

from modules.contract import Contract, Delivery, Deviation, Secret, Service, Variable

CONTRACT = Contract(
    system="nest-api", document="004", cluster="nest-api-cluster-{env}",
    services=(
        Service(name="api", port=3000, health_path="/health", repository="nest-api-api-{env}",
                ecs_service="nest-api-api-service", build="docker build .",
                variables=(Variable("NODE_ENV", "production"), Variable("PORT", "3000")),
                secrets=(Secret("DATABASE_URL", "database"), Secret("OPENAI_API_KEY", "api-keys", "openai"),
                         Secret("SUPABASE_SERVICE_ROLE_KEY", "api-keys", "supabase_service_role"))),
    ),
    delivery=Delivery(
        workflows=("GitHub Actions on main",), identity="github_deploy_role_arn",
        steps=("test", "build", "push to ECR", "register the next revision with the new image",
               "update the ECS service; new tasks pass the health check before traffic moves (circuit breaker rolls back)")),
    deviations=(
        Deviation("cluster", "one cluster", "`nest-api-cluster-{env}`",
                  "cluster names are unique per account and region: dev and prod may share one account"),
    ),
)
