"""Secret scan of synthesized Terraform JSON: no literal that looks like a credential.

Three rules, applied to every string in the document (and inside strings that
are themselves JSON, such as ECS container definitions and IAM policies):

1. Known credential shapes anywhere: AWS access key IDs, PEM private keys,
   GitHub, Slack and Anthropic/OpenAI-style API tokens.
2. A property named like a credential (``password``, ``master_password``,
   ``secret_string``, ``auth_token``, ``api_key``, ``secret_key``, ...; the
   name *ends* with the word, so ``auth_token_update_strategy`` is not one)
   whose value is a literal string.
3. A ``{"name": <credential-like>, "value": <literal>}`` pair: an
   environment variable of a container that carries a secret in plain text.

Allowed values for rules 2 and 3: an empty string, one Terraform reference
``${...}`` (the secret comes from another resource, e.g. a Secrets Manager
secret version), or a Secrets Manager ARN. Everything else is a finding, and
findings cannot be accepted: move the value to Secrets Manager.

A finding names where the literal is, never the literal itself, so CI logs
do not repeat the secret.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

# (rule name, pattern) — shapes of real credentials.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key ID", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("API secret key (sk-...)", re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}")),
)

# Property and variable names that hold a credential: the name ends with one of these words.
SENSITIVE_NAME = re.compile(
    r"(?:^|[_-])(?:password|passwd|passphrase|secret|secret_string|client_secret|token|auth_token|api_key|apikey"
    r"|private_key|secret_key|access_key|credentials?)(?:_wo)?$",
    re.IGNORECASE,
)
SECRETS_MANAGER_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")


@dataclass(frozen=True)
class SecretFinding:
    location: str
    """Where: ``<resource type> <construct path>: <property path>``, or a JSON path outside resources."""
    rule: str

    def __str__(self) -> str:
        return f"{self.location}: {self.rule}"


def is_reference(value: str) -> bool:
    """``True`` if ``value`` is exactly one Terraform expression ``${...}``."""
    if not (value.startswith("${") and value.endswith("}")):
        return False
    depth = 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and i != len(value) - 1:
                return False  # "${a}literal${b}": more than one expression
    return depth == 0


def is_allowed_credential_value(value: str) -> bool:
    return value == "" or is_reference(value) or bool(SECRETS_MANAGER_ARN.match(value))


def scan_document(doc: dict[str, Any]) -> list[SecretFinding]:
    """Every secret-looking literal in one synthesized stack (``cdk.tf.json`` parsed)."""
    findings: list[SecretFinding] = []
    for block, body in doc.items():
        if block in ("resource", "data") and isinstance(body, dict):
            for type_, items in body.items():
                for logical_id, props in (items or {}).items():
                    where = f"{'data.' if block == 'data' else ''}{type_} {_construct_path(props, logical_id)}"
                    findings.extend(_walk(props, where, ()))
        else:
            findings.extend(_walk(body, block, ()))
    return findings


def _construct_path(props: Any, logical_id: str) -> str:
    try:
        return props["//"]["metadata"]["path"].split("/", 1)[1]
    except (KeyError, TypeError, IndexError):
        return logical_id


def _walk(node: Any, where: str, path: tuple[str, ...]) -> Iterator[SecretFinding]:
    def at(p: tuple[str, ...]) -> str:
        return f"{where}: {'.'.join(p)}" if p else where

    if isinstance(node, dict):
        name, value = node.get("name"), node.get("value")
        if isinstance(name, str) and isinstance(value, str) and SENSITIVE_NAME.search(name) \
                and not is_allowed_credential_value(value):
            yield SecretFinding(at(path + (name,)), f"literal value for credential-like variable {name!r}")
        for key, child in node.items():
            key = str(key)
            if isinstance(child, str) and SENSITIVE_NAME.search(key) and not is_allowed_credential_value(child):
                yield SecretFinding(at(path + (key,)), f"literal value in credential-like property {key!r}")
            yield from _walk(child, where, path + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _walk(child, where, path + (f"[{i}]",))
    elif isinstance(node, str):
        for rule, pattern in PATTERNS:
            if pattern.search(node):
                yield SecretFinding(at(path), rule)
        embedded = _embedded_json(node)
        if embedded is not None:
            # Pattern rules already saw the whole string; only the name rules are new inside.
            yield from (f for f in _walk(embedded, where, path + ("(json)",))
                        if f.rule not in {r for r, _ in PATTERNS})


def _embedded_json(value: str) -> Any | None:
    text = value.strip()
    if not text or text[0] not in "[{":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
