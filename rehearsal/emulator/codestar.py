"""CodeStar Connections (a fake: moto has no such service)."""

from __future__ import annotations

import uuid

from rehearsal.emulator.core import ACCOUNT_ID, LAYER_LOCK, Fake, client_error, store

CONNECTIONS: dict[str, dict] = store()  # ARN -> connection
CONNECTION_TAGS: dict[str, list[dict]] = store()  # ARN -> tags


def _connections(operation: str, body: dict, region: str) -> tuple[int, dict]:
    def not_found(arn: str) -> tuple[int, dict]:
        return 400, {"__type": "ResourceNotFoundException", "Message": f"Connection {arn} does not exist"}

    with LAYER_LOCK:
        if operation == "CreateConnection":
            arn = f"arn:aws:codestar-connections:{region}:{ACCOUNT_ID}:connection/{uuid.uuid4()}"
            CONNECTIONS[arn] = {
                "ConnectionName": body["ConnectionName"], "ConnectionArn": arn,
                "ProviderType": body.get("ProviderType", "GitHub"), "OwnerAccountId": ACCOUNT_ID,
                "ConnectionStatus": "PENDING", **({"HostArn": body["HostArn"]} if body.get("HostArn") else {}),
            }
            CONNECTION_TAGS[arn] = list(body.get("Tags") or [])
            return 200, {"ConnectionArn": arn, "Tags": CONNECTION_TAGS[arn]}
        if operation == "GetConnection":
            arn = body["ConnectionArn"]
            return (200, {"Connection": CONNECTIONS[arn]}) if arn in CONNECTIONS else not_found(arn)
        if operation == "DeleteConnection":
            arn = body["ConnectionArn"]
            if arn not in CONNECTIONS:
                return not_found(arn)
            del CONNECTIONS[arn]
            CONNECTION_TAGS.pop(arn, None)
            return 200, {}
        if operation == "ListConnections":
            return 200, {"Connections": list(CONNECTIONS.values())}
        if operation == "ListTagsForResource":
            arn = body["ResourceArn"]
            return (200, {"Tags": CONNECTION_TAGS[arn]}) if arn in CONNECTIONS else not_found(arn)
        if operation == "TagResource":
            arn = body["ResourceArn"]
            if arn not in CONNECTIONS:
                return not_found(arn)
            new = {t["Key"]: t["Value"] for t in body.get("Tags", [])}
            CONNECTION_TAGS[arn] = [t for t in CONNECTION_TAGS[arn] if t["Key"] not in new] + body.get("Tags", [])
            return 200, {}
        if operation == "UntagResource":
            arn = body["ResourceArn"]
            if arn not in CONNECTIONS:
                return not_found(arn)
            drop = set(body.get("TagKeys", []))
            CONNECTION_TAGS[arn] = [t for t in CONNECTION_TAGS[arn] if t["Key"] not in drop]
            return 200, {}
    return 400, {"__type": "UnknownOperationException", "Message": f"{operation} is not emulated"}


def _probe_connections(session) -> bool:
    client = session.client("codestar-connections")
    return client_error(lambda: client.create_connection(ProviderType="GitHub", ConnectionName="probe"))


CODESTAR_CONNECTIONS = Fake(
    name="codestar-connections",
    moto="has no CodeStar Connections service: every request fails (500, no backend for "
         "codestar-connections)",
    aws="CreateConnection creates a connection in status PENDING (completed later in the console); "
        "Get/Delete/ListConnections, ListTagsForResource, TagResource and UntagResource manage it",
    reference="https://docs.aws.amazon.com/codestar-connections/latest/APIReference/API_CreateConnection.html ; "
              "https://docs.aws.amazon.com/codestar-connections/latest/APIReference/API_Connection.html",
    probe=_probe_connections,
    target_prefix="CodeStar_connections_20191201",
    handler=_connections,
)
