"""Options of the IAM constructs (the GitHub deploy role), beside them; no framework import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from modules.validation_rules import branch_problem, github_repository_problem

_PROVIDER_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$")
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")


@dataclass(frozen=True, kw_only=True)
class GithubDeployOptions:
    """The GitHub Actions workflow that delivers the application, and what its role trusts."""

    repository: str
    """``owner/name`` of the repository whose workflows may assume the deploy role."""
    branch: str
    """The only branch whose workflow runs may deploy, e.g. ``main``."""
    environments: tuple[str, ...] = ()
    """GitHub deployment environments whose jobs may assume the role too (``environment:`` in the
    workflow; their protection rules then gate the deploy). Defaults to none."""
    oidc_provider_arn: str | None = None
    """The account's GitHub OIDC provider. Defaults to the one the account stack (``account-<name>``)
    creates, named by its known ARN: an environment never creates it."""

    def subjects(self) -> tuple[str, ...]:
        """The ``sub`` claims the role admits: the branch, and each deployment environment."""
        return (f"repo:{self.repository}:ref:refs/heads/{self.branch}",
                *(f"repo:{self.repository}:environment:{e}" for e in self.environments))


def github_deploy_problems(gh: GithubDeployOptions) -> Iterator[tuple[str, object, str, str]]:
    if problem := github_repository_problem(gh.repository):
        yield ("repository", gh.repository, problem, "write it as 'owner/name'")
    if problem := branch_problem(gh.branch):
        yield ("branch", gh.branch, problem, "use e.g. 'main'")
    for i, env in enumerate(gh.environments):
        if not _ENVIRONMENT.match(env):
            yield (f"environments[{i}]", env, "not a GitHub environment name", "use e.g. 'prod'")
    if gh.oidc_provider_arn is not None and not _PROVIDER_ARN.match(gh.oidc_provider_arn):
        yield ("oidc_provider_arn", gh.oidc_provider_arn, "not the ARN of a GitHub OIDC provider",
               "use arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or leave it out")
