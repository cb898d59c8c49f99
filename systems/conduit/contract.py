"""What Conduit's application (document 000) expects from the infrastructure (see modules/contract.py)."""

from modules.contract import Contract, Delivery, Deviation, Secret, Service, Variable

CONTRACT = Contract(
    system="conduit", document="000", cluster="conduit-cluster-{env}",
    services=(
        Service(name="backend", port=8080, health_path="/health", repository="conduit-backend-{env}",
                ecs_service="conduit-backend", build="docker build .",
                variables=(Variable("PORT", "8080"),), secrets=(Secret("JWT_SECRET", "jwt"),)),
    ),
    delivery=Delivery(
        workflows=("backend-deploy.yml",), identity="github_deploy_role_arn",
        steps=("build the image", "push it to ECR `conduit-backend-{env}` tagged with the commit",
               "register the next task definition revision from the latest one with the new image",
               "aws ecs update-service --cluster conduit-cluster-{env} --service conduit-backend",
               "verify-deployment: cluster, service at its desired count on the latest revision, image, "
               "environment, load balancer and target health, subnets, groups, public IPs")),
    deviations=(
        Deviation("JWT secret", "`JWT_SECRET` in a plain environment variable", "from Secrets Manager `conduit/{env}/jwt`",
                  "secrets only through Secrets Manager"),
        Deviation("deploy", "`--force-new-deployment` of the same task definition (a mutable `latest` tag)",
                  "a new revision with the commit's tag, then `update-service`",
                  "image tags are immutable (scan on push, no silent overwrite); the revision says which commit runs"),
        Deviation("cluster", "`conduit-cluster`", "`conduit-cluster-{env}`",
                  "cluster names are unique per account and region: dev and prod may share one account"),
    ),
)
