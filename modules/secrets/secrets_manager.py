"""Secret containers ``<project>/<env>/<name>`` in Secrets Manager.

Only the containers are managed here: no ``aws_secretsmanager_secret_version``,
so no value ever appears in code, settings, the synthesized JSON or the
Terraform state. Set a value out of band, e.g.::

    aws secretsmanager put-secret-value --secret-id <project>/dev/database \\
        --secret-string '{"username":"app","password":"..."}'

Tasks read them at start through their execution role (by ARN, see
:mod:`modules.compute.ecs_service`).
"""

from __future__ import annotations

import json
from modules.framework import Construct, aws
from modules.iam.grants import Grantee, sid
from modules.iam.policy import allow
from modules.secrets.options import SecretsOptions
from modules.stack import ProjectStack
from modules.security.kms import key_policy


class Secrets(Construct):
    """Attributes: ``secrets`` and ``secret_arns`` (by short name), ``secret_names`` (full names),
    ``kms_key_arn`` (``None`` with the AWS-managed key)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        options: SecretsOptions,
    ) -> None:
        """
        :param options: the short names (``database`` for ``<project>/<env>/database``), the recovery
            window and the key (see :class:`~modules.secrets.options.SecretsOptions`). Region, account and
            names come from the stack.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        names, recovery_window_days = options.names, options.recovery_window_days
        customer_managed_key = options.customer_managed_key
        self.options = options
        self._region = region
        self.kms_key = None
        self.kms_key_arn: str | None = None
        if customer_managed_key and names:
            # The project's key policy (modules/security/kms.py), written out: the account
            # delegates to IAM, so only roles whose policies allow kms:Decrypt on this key ARN
            # through Secrets Manager (the execution roles) can use it. Same resource IDs as
            # before the policy existed ("key", "key-alias"): no replacement of the key.
            self.kms_key = aws.kms_key.KmsKey(
                self, "key", description=f"Secrets Manager secrets of {naming.project} {naming.environment}",
                enable_key_rotation=True, deletion_window_in_days=max(7, recovery_window_days),
                policy=json.dumps(key_policy(region=region, account_id=account_id, service_principals=("secretsmanager",))),
                tags=naming.tag("secrets-key"),
            )
            aws.kms_alias.KmsAlias(
                self, "key-alias", name=f"alias/{naming('secrets')}", target_key_id=self.kms_key.key_id,
            )
            self.kms_key_arn = self.kms_key.arn

        self.secrets = {
            name: aws.secretsmanager_secret.SecretsmanagerSecret(
                self, name, name=naming.secret_name(name),
                description=f"{name} of {naming.project} {naming.environment} (value set out of band)",
                kms_key_id=self.kms_key_arn, recovery_window_in_days=recovery_window_days,
                tags=naming.tag("secret", name),
            )
            for name in names
        }
        self.secret_arns: dict[str, str] = {name: s.arn for name, s in self.secrets.items()}
        self.secret_names: dict[str, str] = {name: naming.secret_name(name) for name in names}

    def grant_read(self, grantee: Grantee, *names: str) -> None:
        """Let ``grantee`` read the named secrets at run time (``GetSecretValue``), and decrypt them
        with the secrets key through Secrets Manager only."""
        unknown = [n for n in names if n not in self.secrets]
        if unknown or not names:
            raise ValueError(f"grant_read: unknown secret(s) {unknown or 'none named'}; known: {sorted(self.secrets)}")
        statements = [allow(sid("read", *names, "secrets"), ["secretsmanager:GetSecretValue"],
                            [self.secret_arns[n] for n in names])]
        if self.kms_key_arn:
            statements.append(allow(sid("decrypt", *names, "secrets"), ["kms:Decrypt"], self.kms_key_arn,
                                    condition={"StringEquals": {"kms:ViaService": f"secretsmanager.{self._region}.amazonaws.com"}}))
        grantee.add_to_role_policy(*statements)
